// A webhook receiver for the tests (Node): records every POST, answers as the test scripted, verifies signatures.
//
// POST /hooks/<name>          a webhook; answered with the next scripted response for <name> (then 200)
// PUT  /control/<name>        { responses?: [{ status, headers?, delayMs? }], secrets?: string[] } scripts <name>
// GET  /control/<name>        { received: [{ headers, body, at, verifiedBy }] } in arrival order
//
// `verifiedBy` lists the indexes of the scripted secrets that standardwebhooks' Webhook.verify accepts for that
// request (tolerance included: a request signed at a virtual time far from now verifies with none).
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

interface Scripted {
  status: number;
  headers?: Record<string, string>;
  delayMs?: number;
}

interface Received {
  headers: Record<string, string>;
  body: string;
  at: number;
  verifiedBy: number[];
}

interface Hook {
  responses: Scripted[];
  secrets: string[];
  received: Received[];
}

export interface RunningReceiver {
  url: string;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function verifiedBy(secrets: readonly string[], body: string, headers: Record<string, string>): number[] {
  return secrets.flatMap((secret, i) => {
    try {
      new Webhook(secret).verify(body, headers);
      return [i];
    } catch {
      return [];
    }
  });
}

export async function startWebhookReceiver(host = "127.0.0.1", port = 0): Promise<RunningReceiver> {
  const hooks = new Map<string, Hook>();
  const hook = (name: string) => {
    let h = hooks.get(name);
    if (!h) hooks.set(name, (h = { responses: [], secrets: [], received: [] }));
    return h;
  };
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://receiver");
    const [, kind, name] = url.pathname.split("/");
    const body = await readBody(req);
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    if (!name) return json(404, { error: "no hook name" });
    const h = hook(decodeURIComponent(name));
    if (kind === "control" && req.method === "PUT") {
      const script = JSON.parse(body || "{}") as { responses?: Scripted[]; secrets?: string[] };
      if (script.responses) h.responses = script.responses;
      if (script.secrets) h.secrets = script.secrets;
      return json(200, { ok: true });
    }
    if (kind === "control" && req.method === "GET") return json(200, { received: h.received });
    if (kind === "hooks" && req.method === "POST") {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]));
      h.received.push({ headers, body, at: Date.now(), verifiedBy: verifiedBy(h.secrets, body, headers) });
      const next = h.responses.shift() ?? { status: 200 };
      if (next.delayMs) await new Promise((r) => setTimeout(r, next.delayMs));
      res.writeHead(next.status, next.headers ?? {});
      return res.end("ok");
    }
    return json(404, { error: `no route for ${req.method} ${url.pathname}` });
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
