// The SNS messages already handled: looked up before enqueueing, recorded after the enqueue succeeded.

import { eq } from "drizzle-orm";
import type { Db } from "./client";
import { snsMessages } from "./schema";

export async function snsMessageSeen(db: Db, messageId: string): Promise<boolean> {
  const row = await db.select({ id: snsMessages.messageId }).from(snsMessages).where(eq(snsMessages.messageId, messageId)).get();
  return row !== undefined;
}

export async function recordSnsMessage(db: Db, messageId: string, topicArn: string, receivedAt = Date.now()): Promise<void> {
  await db.insert(snsMessages).values({ messageId, topicArn, receivedAt }).onConflictDoNothing();
}
