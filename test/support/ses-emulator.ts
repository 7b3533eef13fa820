// Reading what the SES emulator (started by the globalSetup, reached through SES_ENDPOINT) received.
import { env } from "cloudflare:workers";

export interface StoredEmail {
  messageId: string;
  from: string;
  replyTo: string[];
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { html?: string; text?: string };
  headers?: { name: string; value: string }[];
  at: number;
}

export async function receivedEmails(): Promise<StoredEmail[]> {
  const res = await fetch(`${env.SES_ENDPOINT}/store`);
  if (!res.ok) throw new Error(`emulator /store answered ${res.status}`);
  return ((await res.json()) as { emails: StoredEmail[] }).emails;
}

export async function receivedEmail(messageId: string): Promise<StoredEmail | undefined> {
  return (await receivedEmails()).find((e) => e.messageId === messageId);
}

export function header(email: StoredEmail, name: string): string | undefined {
  return email.headers?.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
}
