// The pure parts of erasure and export: the keyed hash left for an erased suppression, and dead-letter bodies cut
// down to (or cleared of) one person.
import { describe, expect, it } from "vitest";
import { envelope } from "../../src/domain/events";
import { ConfigError } from "../../src/lib/errors";
import { addressHash, erasureKey } from "../../src/privacy/address-hash";
import { eraseFromBody, theirPart } from "../../src/privacy/dead-letter-bodies";
import type { Person } from "../../src/privacy/person";
import { sampleEvent } from "../support/helpers";
import { TEST_ERASURE_KEY } from "../support/secrets";

const person: Person = { address: "Ann.Lee@Example.com", contactId: "ann.lee@example.com", key: "ann.lee@example.com", hash: null };

describe("addressHash", () => {
  it("is one value for an address whatever its case, another for another address or key, and hides the address", async () => {
    const key = (await erasureKey(TEST_ERASURE_KEY))!;
    const hash = await addressHash(key, "Ann.Lee@Example.com");
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await addressHash(key, " ann.lee@EXAMPLE.COM ")).toBe(hash);
    expect(await addressHash(key, "ann.le@example.com")).not.toBe(hash);
    const other = (await erasureKey("AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA"))!;
    expect(await addressHash(other, "ann.lee@example.com")).not.toBe(hash);
    // Not a plain digest anyone could recompute from a list of addresses.
    const plain = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode("ann.lee@example.com")));
    expect(hash).not.toBe(
      btoa(String.fromCharCode(...plain))
        .replace(/\+/g, "-")
        .replace(/\//g, "_")
        .replace(/=+$/, ""),
    );
  });

  it("has no key without ERASURE_KEY, and refuses a short one", async () => {
    expect(erasureKey(undefined)).toBeNull();
    expect(erasureKey("  ")).toBeNull();
    await expect(erasureKey("c2hvcnQ")!).rejects.toThrow(ConfigError);
  });
});

describe("dead-letter bodies and one person", () => {
  const theirs = sampleEvent({ contactId: "Ann.Lee@example.com", email: "Ann.Lee@Example.com" });
  const someoneElse = sampleEvent({ contactId: "bob@example.com", email: "bob@example.com" });

  it("keeps other people's events of an envelope and drops the person's", () => {
    const body = JSON.stringify(envelope([theirs, someoneElse]));
    const erased = eraseFromBody(body, person);
    expect(erased.kind).toBe("rewrite");
    expect(JSON.parse((erased as { body: string }).body).events).toEqual([someoneElse]);
    expect(theirPart(body, person)).toEqual({ v: 1, events: [theirs] });
  });

  it("deletes a body that is only theirs, redacts them from one that is someone else's too, leaves one that does not name them", () => {
    expect(eraseFromBody(JSON.stringify(envelope([theirs])), person)).toEqual({ kind: "delete" });
    expect(eraseFromBody(JSON.stringify({ v: 1, jobId: "j", to: "ANN.LEE@example.com", n: 3 }), person)).toEqual({ kind: "delete" });
    // A body that is not theirs alone keeps its text, without their address.
    expect(eraseFromBody(`{"Message":"bounce for ann.lee@example.com and bob@example.com"}`, person)).toEqual({
      kind: "rewrite",
      body: `{"Message":"bounce for [erased] and bob@example.com"}`,
    });
    expect(eraseFromBody("not json, Ann.Lee%40Example.com", person)).toEqual({ kind: "rewrite", body: "not json, [erased]" });
    // Another person's event that mentions them (in its metadata) is kept, the mention redacted.
    const quoting = sampleEvent({ contactId: "bob@example.com", metadata: { note: "forwarded by ann.lee@example.com" } });
    const kept = eraseFromBody(JSON.stringify(envelope([theirs, quoting])), person);
    expect(kept.kind).toBe("rewrite");
    expect(JSON.parse((kept as { body: string }).body).events).toEqual([{ ...quoting, metadata: { note: "forwarded by [erased]" } }]);
    expect(eraseFromBody(JSON.stringify(envelope([someoneElse])), person)).toEqual({ kind: "untouched" });
    // Neighbours are other people: nothing of theirs is touched.
    for (const neighbour of ["joann.lee@example.com", "ann.lee@example.com.evil.test", "ann.lee+x@example.com"]) {
      const body = JSON.stringify(envelope([sampleEvent({ contactId: neighbour, email: neighbour })]));
      expect(eraseFromBody(body, person)).toEqual({ kind: "untouched" });
    }
  });

  it("exports their send task whole, and withholds a body that may name others", () => {
    const task = { v: 1, jobId: "j", to: "ann.lee@example.com", n: 3 };
    expect(theirPart(JSON.stringify(task), person)).toEqual(task);
    expect(theirPart(`{"Message":"bounce for ann.lee@example.com and bob@example.com"}`, person)).toEqual({ withheld: expect.any(String) });
  });
});
