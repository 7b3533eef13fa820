// SES faults over real HTTP: endpoints of the fault proxy (test/node/ses-fault-proxy.ts) and what the emulator holds.
import { env } from "cloudflare:workers";
import { inject, vi } from "vitest";
import { receivedEmails } from "./ses-emulator";

declare module "vitest" {
  interface ProvidedContext {
    sesFaultProxy: string;
    sesRefused: string;
  }
}

/**
 * `pass`: as the emulator answers; `slow`: the same, 1.5 s late; `lost`, `500`, `no-id`: after the emulator took
 * the mail; `throttle`: before.
 */
export type SesFault = "pass" | "slow" | "lost" | "500" | "no-id" | "throttle";

/** An SES_ENDPOINT whose calls meet `fault`. */
export function faultEndpoint(fault: SesFault): string {
  return `${inject("sesFaultProxy")}/${fault}`;
}

/** An SES_ENDPOINT nothing listens on: the connection is refused. */
export function refusedEndpoint(): string {
  return inject("sesRefused");
}

/**
 * For requests through the worker's own fetch handler, whose SES_ENDPOINT is fixed: send its SES call number i
 * (from 0) through the proxy with `faults(i)`. Resolves nothing; the returned list counts the calls.
 */
export function routeSesThrough(faults: (call: number) => SesFault): { calls: number } {
  const realFetch = globalThis.fetch;
  const seen = { calls: 0 };
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    if (!request.url.startsWith(env.SES_ENDPOINT) || new URL(request.url).pathname === "/store") return realFetch(request);
    const fault = faults(seen.calls++);
    return realFetch(new Request(faultEndpoint(fault) + new URL(request.url).pathname, request));
  });
  return seen;
}

/** How many emails the emulator holds for each address: what SES sent, whatever its answers said. */
export async function mailCounts(addresses: readonly string[]): Promise<number[]> {
  const emails = await receivedEmails();
  return addresses.map((address) => emails.filter((e) => e.destination.to.includes(address)).length);
}

/** Once every address has mail (the send queue runs on its own), how many each has. */
export async function mailsOnceArrived(addresses: readonly string[]): Promise<number[]> {
  return vi.waitUntil(
    async () => {
      const counts = await mailCounts(addresses);
      return counts.every((n) => n >= 1) ? counts : false;
    },
    { timeout: 20_000, interval: 250 },
  );
}

export async function mailsTo(address: string): Promise<number> {
  return (await mailCounts([address]))[0]!;
}
