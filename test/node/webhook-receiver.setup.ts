// Vitest globalSetup (Node): the webhook receiver on a free loopback port; its URL reaches the tests as WEBHOOK_RECEIVER.
import type { TestProject } from "vitest/node";
import { startWebhookReceiver } from "./webhook-receiver.ts";

declare module "vitest" {
  interface ProvidedContext {
    webhookReceiver: string;
  }
}

export default async function setup(project: TestProject) {
  const receiver = await startWebhookReceiver("127.0.0.1", 0);
  project.provide("webhookReceiver", receiver.url);
  return () => receiver.close();
}
