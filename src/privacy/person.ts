// One person, as every store knows them: the identity key rows are matched on, and the keyed hash that stands in
// for the address once it is erased.

import type { PrivacyConfig } from "../config/config";
import { identityKey, names } from "../domain/identity";
import { addressHashFor } from "./address-hash";

export interface Person {
  /** The address as the caller gave it. */
  address: string;
  /** The identity key (src/domain/identity.ts): events, counters, suppressions, claims and deliveries are keyed by it. */
  key: string;
  /** The same key, under the name events and counters have always called it. */
  contactId: string;
  /** HMAC of `key` under ERASURE_KEY; null when the key is not set. */
  hash: string | null;
}

export async function personOf(privacy: PrivacyConfig, address: string): Promise<Person> {
  const key = identityKey(address);
  return { address, key, contactId: key, hash: await addressHashFor(privacy, address) };
}

/** Whether free text names the person: one of its address tokens is their key (never a substring test). */
export function mentions(text: string, person: Pick<Person, "key">): boolean {
  return names(text, person.key);
}
