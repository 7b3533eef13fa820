// Vitest globalSetup (Node): a real SES v2 emulator on a free loopback port; its URL goes to the worker as SES_ENDPOINT.
import type { TestProject } from "vitest/node";
import { startSesEmulator } from "../../scripts/ses-emulator.ts";

declare module "vitest" {
  interface ProvidedContext {
    sesEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const emulator = await startSesEmulator("127.0.0.1", 0);
  project.provide("sesEndpoint", emulator.url);
  return () => emulator.close();
}
