// The local SES v2 emulator (npm aws-ses-v2-local), started in-process for `npm start` and for the tests.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as emulator from "aws-ses-v2-local";

// The package is CommonJS with a default export; Node's ESM loader may hand it over wrapped once more.
const start = ((emulator as unknown as { default: { default?: unknown } }).default.default ?? emulator.default) as typeof emulator.default;

export interface RunningEmulator {
  url: string;
  close(): Promise<void>;
}

/** Listen on host:port (port 0: any free one); the URL is what SES_ENDPOINT should be. */
export async function startSesEmulator(host = "127.0.0.1", port = 8005): Promise<RunningEmulator> {
  const server: Server = await start({ host, port });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    close: () => new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
