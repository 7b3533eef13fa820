// The way most SNS receivers are written, for the SNS ingestion benchmark only (bench/sns-ingest.ts): the POST is
// trusted as it comes (no signature, certificate or topic check), its SES event parsed and stored inside the request,
// one D1 batch per notification, and only then answered. It parses with our parser and writes our rows, so the
// benchmark compares the two ways of ingesting, not two parsers or two schemas.
import { database, runBatch } from "../../../src/db/client";
import { insertEventStatements } from "../../../src/db/events";
import { parseSesMessage } from "../../../src/ses/events";

interface BaselineEnv {
  DB: D1Database;
}

interface Posted {
  Type?: string;
  MessageId?: string;
  Message?: string;
  Timestamp?: string;
}

export default {
  async fetch(request: Request, env: BaselineEnv): Promise<Response> {
    if (request.method !== "POST" || new URL(request.url).pathname !== "/sns") return new Response("not found", { status: 404 });
    const body = JSON.parse(await request.text()) as Posted;
    if (body.Type !== "Notification" || !body.MessageId || !body.Message || !body.Timestamp) return Response.json({ status: "ignored" });
    const parsed = await parseSesMessage(body.Message, { messageId: body.MessageId, timestamp: body.Timestamp });
    if (parsed.kind !== "events") return Response.json({ status: "ignored" });
    const db = database(env.DB);
    await runBatch(db, insertEventStatements(db, parsed.events));
    return Response.json({ status: "stored", events: parsed.events.length });
  },
} satisfies ExportedHandler<BaselineEnv>;
