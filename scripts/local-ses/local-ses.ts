// The local SES of `npm start`: the SES v2 emulator behind a small front that, for every mail SES accepts, publishes the
// events SES would (./ses-events.ts) as signed SNS Notifications to the worker's POST /sns, and serves the certificate
// they are signed with. The emulator itself publishes no events; everything else passes through to it unchanged.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SEND_EMAIL_PATH } from "../../src/ses/send-email";
import { startSesEmulator } from "../ses-emulator";
import { type SentMail, sesEventsFor } from "./ses-events";
import { createSnsSigner, randomHex, signedNotification, type SnsSigner } from "./sns-signer";

export interface LocalSesOptions {
  host: string;
  /** 0: any free port. */
  port: number;
  /** Where the worker listens: events go to `${workerOrigin}/sns`. */
  workerOrigin: string;
  /** The TopicArn of every notification: one the worker's SNS_TOPIC_ARNS lists. */
  topicArn: string;
  log?: (line: string) => void;
  /** How long one notification is retried while the worker answers 5xx or is unreachable. Default 60 s. */
  deliveryDeadlineMs?: number;
}

export interface LocalSes {
  /** What SES_ENDPOINT should be. */
  url: string;
  /** The URL of the signing certificate: what SNS_LOCAL_CERTIFICATE_URL must name for /sns to accept the events. */
  certificateUrl: string;
  /** Resolves once every event published so far has been answered by the worker (or given up on). */
  idle(): Promise<void>;
  /** POST /sns answers so far, in order: the SES event type and the status. */
  deliveries: { eventType: string; status: number | null }[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Headers that describe the connection or the encoding of a body that is passed on decoded. */
const HOP_HEADERS = new Set(["host", "connection", "content-length", "transfer-encoding", "content-encoding", "keep-alive"]);

async function forward(target: string, req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (!HOP_HEADERS.has(name) && typeof value === "string") headers.set(name, value);
  }
  const method = req.method ?? "GET";
  const res = await fetch(target + (req.url ?? "/"), {
    method,
    headers,
    body: method === "GET" || method === "HEAD" ? undefined : new Uint8Array(body),
  });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

function reply(res: ServerResponse, status: number, headers: Headers, body: Buffer): void {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (!HOP_HEADERS.has(name)) out[name] = value;
  });
  res.writeHead(status, out).end(body);
}

interface SendEmailRequest {
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
  Content?: { Simple?: { Subject?: { Data?: string } } };
  EmailTags?: { Name: string; Value: string }[];
  ConfigurationSetName?: string;
}

/** The accepted SendEmail call as ./ses-events.ts reads it; null when the answer carried no MessageId. */
function sentMail(request: Buffer, answer: Buffer): SentMail | null {
  let body: SendEmailRequest;
  let messageId: unknown;
  try {
    body = JSON.parse(request.toString("utf8")) as SendEmailRequest;
    messageId = (JSON.parse(answer.toString("utf8")) as { MessageId?: unknown }).MessageId;
  } catch {
    return null;
  }
  if (typeof messageId !== "string") return null;
  const d = body.Destination ?? {};
  return {
    messageId,
    from: body.FromEmailAddress ?? "",
    to: [...(d.ToAddresses ?? []), ...(d.CcAddresses ?? []), ...(d.BccAddresses ?? [])],
    subject: body.Content?.Simple?.Subject?.Data ?? "",
    tags: body.EmailTags ?? [],
    configurationSet: body.ConfigurationSetName ?? null,
    sentAt: new Date(),
  };
}

/** POST one notification as SNS does, retrying while the worker answers 5xx or cannot be reached (SNS retries too). */
async function deliver(snsUrl: string, notification: Record<string, unknown>, deadline: number): Promise<number | null> {
  for (let wait = 250; ; wait = Math.min(wait * 2, 4000)) {
    let status: number | null = null;
    try {
      const res = await fetch(snsUrl, {
        method: "POST",
        headers: {
          "content-type": "text/plain; charset=UTF-8",
          "x-amz-sns-message-type": String(notification.Type),
          "x-amz-sns-message-id": String(notification.MessageId),
          "x-amz-sns-topic-arn": String(notification.TopicArn),
        },
        body: JSON.stringify(notification),
      });
      await res.body?.cancel();
      status = res.status;
      if (status < 500) return status;
    } catch {
      // not reachable (yet): like a 5xx
    }
    if (Date.now() + wait > deadline) return status;
    await new Promise((r) => setTimeout(r, wait));
  }
}

export async function startLocalSes(options: LocalSesOptions): Promise<LocalSes> {
  const log = options.log ?? (() => {});
  const emulator = await startSesEmulator(options.host, 0);
  const certPath = `/sns/SimpleNotificationService-local-${randomHex(8)}.pem`;
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const url = `http://${options.host}:${(server.address() as AddressInfo).port}`;
  const signer: SnsSigner = await createSnsSigner({ certUrl: url + certPath, commonName: "mail-tracker local SNS" });
  const snsUrl = `${options.workerOrigin}/sns`;
  const deliveries: LocalSes["deliveries"] = [];
  // One after another, in the order SES would publish them (Send, Delivery, then a Complaint).
  let chain: Promise<void> = Promise.resolve();

  const publish = (sent: SentMail) => {
    chain = chain.then(async () => {
      for (const event of sesEventsFor(sent)) {
        const notification = await signedNotification(signer, { topicArn: options.topicArn, message: JSON.stringify(event) });
        const status = await deliver(snsUrl, notification, Date.now() + (options.deliveryDeadlineMs ?? 60_000));
        const eventType = String(event.eventType);
        deliveries.push({ eventType, status });
        log(`local SES: ${eventType} of ${sent.messageId} → POST /sns ${status ?? "unreachable"}`);
      }
    });
  };

  server.on("request", (req, res) => {
    void (async () => {
      if (req.method === "GET" && req.url === certPath) {
        res.writeHead(200, { "content-type": "application/x-pem-file" }).end(signer.certificatePem);
        return;
      }
      const body = await readBody(req);
      const answer = await forward(emulator.url, req, body);
      reply(res, answer.status, answer.headers, answer.body);
      if (req.method === "POST" && req.url === SEND_EMAIL_PATH && answer.status === 200) {
        const sent = sentMail(body, answer.body);
        if (sent) publish(sent);
      }
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`local SES front: ${String(err)}`);
    });
  });

  return {
    url,
    certificateUrl: signer.certUrl,
    deliveries,
    idle: async () => {
      // A publish queued while waiting extends the chain: wait until it stops growing.
      for (let seen = chain; ; seen = chain) {
        await seen;
        if (seen === chain) return;
      }
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await emulator.close();
    },
  };
}
