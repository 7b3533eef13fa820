// npm run setup against a fake wrangler that keeps a fake Cloudflare account: what a first run, a second run, a dry run
// and the failures do to the account and to wrangler.toml.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { PLACEHOLDER_DATABASE_ID } from "../../scripts/preflight/checks";
import { preflight } from "../../scripts/preflight/run";
import { setup, type SetupOptions } from "../../scripts/setup/run";
import { parseKeySpec } from "../../src/config/tracking-keys";
import { emptyAccount, type FakeAccountState, FakeWrangler } from "./support/fake-wrangler";
import { tempWranglerToml } from "./support/connect";

const QUEUES = ["mail-tracker-events", "mail-tracker-send", "mail-tracker-webhooks"];
const DEAD_LETTERS = QUEUES.map((q) => `${q}-dlq`);
const REQUIRED = ["API_TOKEN", "TRACKING_KEYS", "ERASURE_KEY"];
const FOURTEEN_DAYS = 14 * 86_400;

async function runSetup(fake: FakeWrangler, configPath: string, options: Partial<SetupOptions> = {}) {
  const lines: string[] = [];
  const from = fake.calls.length;
  const ok = await setup({ configPath, run: fake.run, dryRun: false, out: (l) => lines.push(l), ...options });
  return { ok, output: lines.join("\n"), calls: fake.calls.slice(from) };
}

const changesIn = (calls: FakeWrangler["calls"]) =>
  calls.filter((c) => /^(create|put|update|delete)$/.test(c.args[1] ?? "") || c.args[2] === "create");

function account(edit: Partial<FakeAccountState> = {}): FakeWrangler {
  return new FakeWrangler({ ...emptyAccount(), ...edit });
}

describe("npm run setup", () => {
  it("provisions everything wrangler.toml names on an empty account, writing only the database_id line", async () => {
    const toml = tempWranglerToml();
    const before = readFileSync(toml, "utf8");
    const fake = account();
    const { ok, output } = await runSetup(fake, toml);
    expect(output).toContain("Done: ");
    expect(ok).toBe(true);

    const [db] = fake.state.databases;
    expect(fake.state.databases.map((d) => d.name)).toEqual(["mail-tracker"]);
    expect(unstable_readConfig({ config: toml }).d1_databases[0]!.database_id).toBe(db!.uuid);
    // Every other line, comments included, is as it was.
    const diff = before.split("\n").map((line, i) => [line, readFileSync(toml, "utf8").split("\n")[i]] as const);
    expect(diff.filter(([a, b]) => a !== b)).toEqual([[`database_id = "${PLACEHOLDER_DATABASE_ID}"`, `database_id = "${db!.uuid}"`]]);

    expect(fake.state.queues).toEqual(
      expect.arrayContaining([...QUEUES.map((name) => ({ name })), ...DEAD_LETTERS.map((name) => ({ name, retentionSecs: FOURTEEN_DAYS }))]),
    );
    expect(fake.state.queues).toHaveLength(6);

    const secrets = fake.state.workers["mail-tracker"]!;
    expect(Object.keys(secrets).sort()).toEqual([...REQUIRED].sort());
    expect(parseKeySpec(secrets.TRACKING_KEYS!)).toHaveLength(1);
    expect(secrets.ERASURE_KEY).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(secrets.API_TOKEN).toMatch(/^[A-Za-z0-9_-]{32}$/);
    // Each value went on stdin, never in the arguments, and is shown once for the user to keep.
    for (const [name, value] of Object.entries(secrets)) {
      const put = fake.calls.find((c) => c.args[1] === "put" && c.args[2] === name)!;
      expect(put.input).toBe(value);
      expect(fake.calls.flatMap((c) => c.args).join(" ")).not.toContain(value);
      expect(output).toContain(`keep: ${name}=${value}`);
    }
    expect(output).toContain("npm run deploy");
    expect(output).toContain("npm run connect-ses -- --url https://track.example.com --write");
  });

  it("creates nothing and changes nothing on a second run", async () => {
    const toml = tempWranglerToml();
    const fake = account();
    await runSetup(fake, toml);
    const text = readFileSync(toml, "utf8");
    const state = structuredClone(fake.state);

    const again = await runSetup(fake, toml);
    expect(again.ok).toBe(true);
    expect(changesIn(again.calls)).toEqual([]);
    expect(fake.state).toEqual(state);
    expect(readFileSync(toml, "utf8")).toBe(text);
    expect(again.output).toContain("Nothing changed: everything was already as wanted.");
    expect(again.output).toContain("secret TRACKING_KEYS is set: kept, never replaced (a new one would break every tracking link already mailed)");
    expect(again.output).toContain("secret ERASURE_KEY is set: kept, never replaced (a new one would forget who was erased)");
    expect(again.output).not.toContain("keep: ");
  });

  it("in a dry run reads only, prints each command it would run, and changes neither the account nor wrangler.toml", async () => {
    const toml = tempWranglerToml();
    const text = readFileSync(toml, "utf8");
    const fake = account();
    const state = structuredClone(fake.state);
    const { ok, output, calls } = await runSetup(fake, toml, { dryRun: true });
    expect(ok).toBe(true);
    expect(changesIn(calls)).toEqual([]);
    expect(fake.state).toEqual(state);
    expect(readFileSync(toml, "utf8")).toBe(text);

    expect(output).toContain(`would run: npx wrangler d1 create mail-tracker -c ${toml}`);
    expect(output).toContain(`would create: D1 database mail-tracker, and write its id into ${toml}`);
    for (const q of QUEUES) expect(output).toContain(`would run: npx wrangler queues create ${q} -c ${toml}`);
    for (const q of DEAD_LETTERS)
      expect(output).toContain(`would run: npx wrangler queues create ${q} --message-retention-period-secs 1209600 -c ${toml}`);
    for (const s of REQUIRED) expect(output).toContain(`would run: npx wrangler secret put ${s} -c ${toml}   (the value on stdin)`);
    expect(output).toContain(`reading: npx wrangler d1 list --json -c ${toml}`);
    expect(output).not.toContain("keep: ");
    expect(output).toContain('Dry run: 11 change(s) would be made (the "would …" lines above); nothing was changed.');
  });

  it("says how to log in when wrangler is not logged in, and runs nothing else", async () => {
    const toml = tempWranglerToml();
    const text = readFileSync(toml, "utf8");
    const fake = account({ loggedIn: false });
    const { ok, output, calls } = await runSetup(fake, toml);
    expect(ok).toBe(false);
    expect(output).toContain("FAILED: not logged in to Cloudflare");
    expect(output).toContain("npx wrangler login");
    expect(calls.map((c) => c.args[0])).toEqual(["whoami"]);
    expect(readFileSync(toml, "utf8")).toBe(text);
  });

  it("never replaces a secret that is set: puts only the missing one", async () => {
    const toml = tempWranglerToml();
    const kept = { TRACKING_KEYS: "1:old-key-that-signed-every-link-mailed-so-far", ERASURE_KEY: "old-erasure-key" };
    const fake = account({ workers: { "mail-tracker": { ...kept, OTHER: "x" } } });
    const { ok, output, calls } = await runSetup(fake, toml);
    expect(ok).toBe(true);
    expect(calls.filter((c) => c.args[1] === "put").map((c) => c.args[2])).toEqual(["API_TOKEN"]);
    expect(fake.state.workers["mail-tracker"]).toMatchObject({ ...kept, OTHER: "x" });
    expect(output).toContain("secret TRACKING_KEYS is set: kept, never replaced");
    expect(output).toMatch(/keep: API_TOKEN=/);
  });

  it("writes the id of a database that exists by name, and refuses an id of another database without touching wrangler.toml", async () => {
    const uuid = "7c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f";
    const toml = tempWranglerToml();
    const fake = account({ databases: [{ name: "mail-tracker", uuid }] });
    const { ok, calls } = await runSetup(fake, toml);
    expect(ok).toBe(true);
    expect(calls.some((c) => c.args[0] === "d1" && c.args[1] === "create")).toBe(false);
    expect(unstable_readConfig({ config: toml }).d1_databases[0]!.database_id).toBe(uuid);

    const other = tempWranglerToml();
    writeFileSync(other, readFileSync(other, "utf8").replace(PLACEHOLDER_DATABASE_ID, "11111111-2222-4333-8444-555555555555"));
    const text = readFileSync(other, "utf8");
    const mismatch = await runSetup(account({ databases: [{ name: "mail-tracker", uuid }] }), other);
    expect(mismatch.ok).toBe(false);
    expect(mismatch.output).toContain(
      `gives the D1 database mail-tracker the id 11111111-2222-4333-8444-555555555555, but mail-tracker on this account is ${uuid}`,
    );
    expect(readFileSync(other, "utf8")).toBe(text);
  });

  it("stops at a failed step with wrangler's reason, and a run after the fix creates only what is still missing", async () => {
    const toml = tempWranglerToml();
    const fake = account({ failing: ["queues create mail-tracker-send"] });
    const first = await runSetup(fake, toml);
    expect(first.ok).toBe(false);
    expect(first.output).toContain("FAILED: npx wrangler queues create mail-tracker-send failed: [ERROR] A request to the Cloudflare API failed");
    expect(first.output).toContain("Run npm run setup again once it is fixed");
    expect(first.calls.some((c) => c.args[0] === "secret")).toBe(false);
    // wrangler.toml is whole: the step that wrote it had finished.
    expect(unstable_readConfig({ config: toml }).d1_databases[0]!.database_id).toBe(fake.state.databases[0]!.uuid);

    fake.state.failing = [];
    const second = await runSetup(fake, toml);
    expect(second.ok).toBe(true);
    expect(changesIn(second.calls).map((c) => c.args.slice(0, 3).join(" "))).toEqual([
      "queues create mail-tracker-send",
      "queues create mail-tracker-webhooks",
      "queues create mail-tracker-events-dlq",
      "queues create mail-tracker-send-dlq",
      "queues create mail-tracker-webhooks-dlq",
      "r2 bucket create",
      ...REQUIRED.map((s) => `secret put ${s}`),
    ]);
  });

  it("keeps a secret's value when its put fails, since the put may have reached Cloudflare", async () => {
    const fake = account({ failing: ["secret put TRACKING_KEYS"] });
    const { ok, output } = await runSetup(fake, tempWranglerToml());
    expect(ok).toBe(false);
    expect(output).toMatch(/keep: TRACKING_KEYS=1:[A-Za-z0-9_-]{43}\n/);
    expect(output).toContain("FAILED: npx wrangler secret put TRACKING_KEYS failed");
  });

  it("appends the generated values to --secrets-file (mode 600) instead of printing them", async () => {
    const secretsFile = path.join(mkdtempSync(path.join(tmpdir(), "setup-secrets-")), "production.env");
    const fake = account();
    const { ok, output } = await runSetup(fake, tempWranglerToml(), { secretsFile });
    expect(ok).toBe(true);
    const secrets = fake.state.workers["mail-tracker"]!;
    expect(readFileSync(secretsFile, "utf8")).toBe(REQUIRED.map((name) => `${name}=${secrets[name]}\n`).join(""));
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    for (const value of Object.values(secrets)) expect(output).not.toContain(value);
    expect(output).toContain(`generated values are appended to ${secretsFile}`);
  });

  it("creates every R2 bucket wrangler.toml names, in its jurisdiction, once", async () => {
    const toml = tempWranglerToml();
    writeFileSync(toml, `${readFileSync(toml, "utf8")}\n[[r2_buckets]]\nbinding = "EU"\nbucket_name = "mail-tracker-eu"\njurisdiction = "eu"\n`);
    const fake = account({ buckets: { "": ["someone-elses"] } });
    const first = await runSetup(fake, toml);
    expect(first.ok).toBe(true);
    expect(fake.state.buckets).toEqual({ "": ["someone-elses", "mail-tracker-archive"], eu: ["mail-tracker-eu"] });
    expect(first.output).toContain("created: R2 bucket mail-tracker-eu (jurisdiction eu)");

    const again = await runSetup(fake, toml);
    expect(changesIn(again.calls)).toEqual([]);
    expect(again.output).toContain("already as wanted: R2 bucket mail-tracker-archive");
  });

  it("says to choose the account when the login reaches several and wrangler cannot pick one", async () => {
    const accounts = [
      { id: "a".repeat(32), name: "Personal" },
      { id: "b".repeat(32), name: "Company" },
    ];
    const toml = tempWranglerToml();
    const text = readFileSync(toml, "utf8");
    const { ok, output, calls } = await runSetup(account({ accounts }), toml);
    expect(ok).toBe(false);
    expect(output).toContain("FAILED: npx wrangler d1 list --json");
    expect(output).toContain(`\`Company\`: \`${"b".repeat(32)}\``);
    expect(output).toContain("export CLOUDFLARE_ACCOUNT_ID=<its id>");
    expect(changesIn(calls)).toEqual([]);
    expect(readFileSync(toml, "utf8")).toBe(text);

    const chosen = await runSetup(account({ accounts, selectedAccount: "b".repeat(32) }), toml);
    expect(chosen.ok).toBe(true);
    expect(chosen.output).toContain("2 accounts (wrangler acts on CLOUDFLARE_ACCOUNT_ID");
  });

  it("leaves an account that preflight (npm run deploy) passes on the database, queues and secrets", async () => {
    const toml = tempWranglerToml();
    const fake = account();
    await runSetup(fake, toml);
    const lines: string[] = [];
    await preflight({ configPath: toml, run: fake.run, out: (l) => lines.push(l) });
    const output = lines.join("\n");
    expect(output).toContain(`ok    D1 database: mail-tracker: ${fake.state.databases[0]!.uuid}`);
    expect(output).toContain("ok    Queues: ");
    expect(output).toContain("ok    Secrets: all 3 required secrets are set");
  });
});
