// The fake wrangler as an executable (run by Node's type stripping): its account in the JSON file FAKE_WRANGLER_STATE,
// every call appended to FAKE_WRANGLER_CALLS, so that the real runner's process, arguments and stdin are what is tested.
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { FakeWrangler } from "./fake-wrangler.ts";

const statePath = process.env.FAKE_WRANGLER_STATE!;
const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const input = Buffer.concat(chunks).toString("utf8");

const fake = new FakeWrangler(JSON.parse(readFileSync(statePath, "utf8")));
const output = fake.handle(process.argv.slice(2), input === "" ? undefined : input);
writeFileSync(statePath, JSON.stringify(fake.state));
appendFileSync(process.env.FAKE_WRANGLER_CALLS!, `${JSON.stringify(fake.calls[0])}\n`);
process.stdout.write(output.stdout);
process.stderr.write(output.stderr);
process.exitCode = output.code;
