// A fault-injecting HTTP proxy in front of the SES emulator (Node, started by the globalSetup): real network faults.
//
// The first path segment picks the fault, the rest goes to the emulator: SES_ENDPOINT=<proxy>/lost makes the
// worker's SendEmail reach the emulator (which stores the email, as SES would send it) and then lose the answer.
//   /pass       the emulator's answer, unchanged
//   /lost       the connection is closed without an answer, after the emulator took the request
//   /500        500 InternalFailure, after the emulator took the request
//   /no-id      200 with an empty JSON object (no MessageId), after the emulator took the request
//   /throttle   429 TooManyRequestsException; the emulator never sees the request
//   /slow       the emulator's answer, a second and a half late
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface RunningProxy {
  url: string;
  close(): Promise<void>;
}

const FAULTS = new Set(["pass", "lost", "500", "no-id", "throttle", "slow"]);
const SLOW_MS = 1500;

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

export async function startFaultProxy(target: string): Promise<RunningProxy> {
  const server = http.createServer(async (req, res) => {
    const match = /^\/([^/]+)(\/.*)$/.exec(req.url ?? "");
    if (!match || !FAULTS.has(match[1]!)) return json(res, 404, { message: `no such fault: ${req.url}` });
    const [, fault, rest] = match;
    const body = await readBody(req);
    if (fault === "throttle")
      return json(res, 429, { message: "Maximum sending rate exceeded." }, { "x-amzn-ErrorType": "TooManyRequestsException" });
    if (fault === "slow") await new Promise((resolve) => setTimeout(resolve, SLOW_MS));
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([k, v]) => typeof v === "string" && k !== "host" && k !== "content-length"),
    ) as Record<string, string>;
    const answer = await fetch(target + rest, { method: req.method, headers, body: body.length ? new Uint8Array(body) : undefined });
    const text = await answer.text();
    if (fault === "lost") return void req.socket.destroy();
    if (fault === "500") return json(res, 500, { message: "InternalFailure" }, { "x-amzn-ErrorType": "InternalFailure" });
    if (fault === "no-id") return json(res, 200, {});
    res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" });
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

/** A loopback URL nothing listens on: connecting to it is refused. */
export async function refusedUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}
