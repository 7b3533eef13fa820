// One person, as each store knows them: the contact id of events and counters, the case-insensitive key of
// suppressions and send claims, and the keyed hash that stands in for the address once it is erased.

import { addressKey, asciiLower, normalizeEmail } from "../domain/email";
import type { PrivacyConfig } from "../config";
import { addressHashFor } from "./address-hash";

export interface Person {
  /** The address as the caller gave it. */
  address: string;
  /** What events and counters are keyed by (domain lower-cased, local part as given). */
  contactId: string;
  /** What suppressions, lifts, history and deliveries match on (the whole address, ASCII lower-cased). */
  key: string;
  /** HMAC of `key` under ERASURE_KEY; null when the key is not set. */
  hash: string | null;
}

export async function personOf(privacy: PrivacyConfig, address: string): Promise<Person> {
  return { address, contactId: normalizeEmail(address), key: addressKey(address), hash: await addressHashFor(privacy, address) };
}

/** Whether text names the person (ASCII case ignored, as `key` is compared everywhere). */
export function mentions(text: string, person: Pick<Person, "key">): boolean {
  return asciiLower(text).includes(person.key);
}
