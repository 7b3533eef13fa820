// Dashboard sessions: minted and verified with a key derived from API_TOKEN; expiry, tampering and rotation refuse them.
import { describe, expect, it } from "vitest";
import { mintSession, SESSION_TTL_SECONDS, verifySession } from "../../src/dashboard/session";

const TOKEN = "unit-api-token-abcdefghijklmnop";
const NOW = Date.UTC(2030, 0, 1, 12);

describe("dashboard sessions", () => {
  it("verify until they expire, SESSION_TTL_SECONDS after sign-in, and not a second later", async () => {
    const { value, session } = await mintSession(TOKEN, NOW);
    expect(session).toEqual({ issuedAt: NOW / 1000, expiresAt: NOW / 1000 + SESSION_TTL_SECONDS });
    expect(await verifySession(TOKEN, value, NOW)).toEqual(session);
    expect(await verifySession(TOKEN, value, NOW + SESSION_TTL_SECONDS * 1000 - 1)).toEqual(session);
    expect(await verifySession(TOKEN, value, NOW + SESSION_TTL_SECONDS * 1000)).toBeNull();
    // Issued in the future by more than the clock skew allowed: refused.
    expect(await verifySession(TOKEN, value, NOW - 120_000)).toBeNull();
  });

  it("are all different, and none reveals the token", async () => {
    const values = await Promise.all([1, 2, 3].map(async () => (await mintSession(TOKEN, NOW)).value));
    expect(new Set(values).size).toBe(3);
    for (const value of values) expect(value).not.toContain(TOKEN);
  });

  it("stop verifying once API_TOKEN changes (rotation signs everybody out)", async () => {
    const { value } = await mintSession(TOKEN, NOW);
    expect(await verifySession(`${TOKEN}-rotated`, value, NOW)).toBeNull();
    expect(await verifySession(TOKEN, (await mintSession(`${TOKEN}-rotated`, NOW)).value, NOW)).toBeNull();
  });

  it("refuse any change to any character, and values that are not sessions", async () => {
    const { value } = await mintSession(TOKEN, NOW);
    for (let i = 0; i < value.length; i++) {
      const changed = value.slice(0, i) + (value[i] === "1" ? "2" : value[i] === "A" ? "B" : "1") + value.slice(i + 1);
      if (changed === value) continue;
      expect(await verifySession(TOKEN, changed, NOW), `character ${i}`).toBeNull();
    }
    for (const junk of [undefined, "", TOKEN, "v1", `${value}.`, value.slice(0, -1), `v2${value.slice(2)}`, value.replace(/\./g, "-")]) {
      expect(await verifySession(TOKEN, junk, NOW), String(junk)).toBeNull();
    }
  });
});
