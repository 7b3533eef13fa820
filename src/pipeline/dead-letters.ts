// The dead-letter queue consumer: everything that exhausted its retries is kept in D1, once.

import { getTableColumns } from "drizzle-orm";
import { chunk, rowsPerStatement } from "../db/chunk";
import { database, prepare, runBatch } from "../db/client";
import { deadLetters } from "../db/schema";

function bodyText(body: unknown): string {
  if (typeof body === "string") return body;
  try {
    return JSON.stringify(body) ?? String(body);
  } catch {
    return String(body);
  }
}

function deadLetterRow(queue: string, message: Message<unknown>, reason: string): typeof deadLetters.$inferInsert {
  return {
    messageId: message.id,
    queue,
    body: bodyText(message.body),
    attempts: message.attempts,
    enqueuedAt: message.timestamp.getTime(),
    reason,
  };
}

async function storeDeadLetters(env: Env, queue: string, messages: readonly Message<unknown>[], reason: string): Promise<void> {
  const db = database(env.DB);
  const rows = messages.map((m) => deadLetterRow(queue, m, reason));
  const statements = chunk(rows, rowsPerStatement(Object.keys(getTableColumns(deadLetters)).length)).map((part) =>
    prepare(env.DB, db.insert(deadLetters).values(part).onConflictDoNothing()),
  );
  await runBatch(env.DB, statements);
}

/** Keep one message that can never be applied (it is stored once, however often it comes). */
export function storeDeadLetter(env: Env, queue: string, message: Message<unknown>, reason: string): Promise<void> {
  return storeDeadLetters(env, queue, [message], reason);
}

export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  await storeDeadLetters(env, batch.queue, batch.messages, "retries exhausted");
  batch.ackAll();
}
