// Whether an address may be mailed: its suppression, or for a person erased while suppressed, the hash kept instead.

import type { PrivacyConfig } from "../config/config";
import type { Db } from "../db/client";
import { findErasedSuppression, findSuppression } from "../db/suppressions";
import type { Suppression } from "../domain/suppression";
import { addressHashFor } from "./address-hash";

/** The suppression in force for the address, whether its row still names it or only its hash is left. */
export async function suppressionOf(privacy: PrivacyConfig, db: Db, email: string, now = Date.now()): Promise<Suppression | null> {
  return (await findSuppression(db, email, now)) ?? findErasedSuppression(db, email, await addressHashFor(privacy, email), now);
}
