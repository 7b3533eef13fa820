// DNS-over-HTTPS MX answers for the mailbox-provider tests: a fetch that answers the resolver's JSON API from a table.
import { vi } from "vitest";

export type MxAnswer = string[] | "nxdomain" | "down";

/** A fetch answering MX questions from `byName` (hosts with their preference, e.g. "10 mx.example."); NXDOMAIN otherwise. */
export function mxFetcher(byName: Record<string, MxAnswer>, asked: string[] = []): typeof fetch {
  return (async (input: RequestInfo | URL) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.hostname !== "cloudflare-dns.com" || url.searchParams.get("type") !== "MX") throw new Error(`unexpected fetch of ${url.href}`);
    const name = url.searchParams.get("name")!;
    asked.push(name);
    const answer = byName[name] ?? "nxdomain";
    if (answer === "down") return new Response("busy", { status: 503 });
    if (answer === "nxdomain") return Response.json({ Status: 3 });
    return Response.json({ Status: 0, Answer: answer.map((data) => ({ type: 15, data })) });
  }) as typeof fetch;
}

/** The worker's MX questions answered from `byName`; every other fetch goes through. Answers the names asked. */
export function stubMx(byName: Record<string, MxAnswer>): string[] {
  const asked: string[] = [];
  const answer = mxFetcher(byName, asked);
  const real = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation((input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    return url.hostname === "cloudflare-dns.com" && url.searchParams.get("type") === "MX" ? answer(input) : real(input, init);
  });
  return asked;
}
