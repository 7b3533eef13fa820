// Vitest globalSetup (Node): a real SES v2 emulator on a free loopback port; its URL goes to the worker as SES_ENDPOINT.
// Beside it, a fault proxy in front of it and a refused port, for tests that lose SES's answers (test/ses-faults.ts).
import type { TestProject } from "vitest/node";
import { startSesEmulator } from "../../scripts/ses-emulator.ts";
import { refusedUrl, startFaultProxy } from "./ses-fault-proxy.ts";

declare module "vitest" {
  interface ProvidedContext {
    sesEndpoint: string;
    sesFaultProxy: string;
    sesRefused: string;
  }
}

export default async function setup(project: TestProject) {
  const emulator = await startSesEmulator("127.0.0.1", 0);
  const proxy = await startFaultProxy(emulator.url);
  project.provide("sesEndpoint", emulator.url);
  project.provide("sesFaultProxy", proxy.url);
  project.provide("sesRefused", await refusedUrl());
  return async () => {
    await proxy.close();
    await emulator.close();
  };
}
