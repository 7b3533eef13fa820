// preflight over wrangler configurations (the repository's, and one ready for production) and a fake wrangler.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkSecrets,
  checkSesEndpoint,
  checkTopicArns,
  checkTrackingKeys,
  checkTrackingOrigin,
  type ConfigView,
} from "../../scripts/preflight/checks";
import { preflight } from "../../scripts/preflight/run";
import { parseQueueTable, type CommandOutput } from "../../scripts/preflight/wrangler";
import { TEST_TRACKING_KEYS } from "../support/secrets";
import { REPO } from "./support/connect";

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, "fixtures", name), "utf8");
const REPO_TOML = path.join(REPO, "wrangler.toml");
const REQUIRED = ["API_TOKEN", "TRACKING_KEYS", "ERASURE_KEY"];
const AWS_KEYS = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];
const TOPIC = "arn:aws:sns:us-east-1:123456789012:mail-tracker-ses";

/** The repository's wrangler.toml with every production value filled in, as a user would. */
function readyToml(edit: (text: string) => string = (t) => t): string {
  const text = readFileSync(REPO_TOML, "utf8")
    .replace("00000000-0000-4000-8000-000000000000", "5d2f8c1e-7b3a-4c9d-8e1f-2a3b4c5d6e7f")
    .replace(
      '# routes = [{ pattern = "track.example.com", custom_domain = true }]',
      'routes = [{ pattern = "track.example.com", custom_domain = true }]',
    )
    .replace('TRACKING_ORIGIN = ""', 'TRACKING_ORIGIN = "https://track.example.com"')
    .replace('SNS_TOPIC_ARNS = ""', `SNS_TOPIC_ARNS = "${TOPIC}"`);
  const file = path.join(mkdtempSync(path.join(tmpdir(), "preflight-")), "wrangler.toml");
  writeFileSync(file, edit(text));
  return file;
}

interface FakeAccount {
  queuePages: string[];
  secrets: string[] | "no worker" | "not logged in";
}

const NOT_LOGGED_IN: CommandOutput = {
  code: 1,
  stdout: "",
  stderr:
    '\n✘ [ERROR] In a non-interactive environment, it\'s necessary to set a CLOUDFLARE_API_TOKEN environment variable for wrangler to work.\n\n🪵  Logs were written to "x.log"\n',
};

/** Answers `wrangler queues list --page n` and `wrangler secret list` the way wrangler prints them. */
function fakeWrangler(account: FakeAccount) {
  const calls: string[][] = [];
  const run = async (args: string[]): Promise<CommandOutput> => {
    calls.push(args);
    if (account.secrets === "not logged in") return NOT_LOGGED_IN;
    if (args[0] === "queues" && args[1] === "list") {
      const page = Number(args[args.indexOf("--page") + 1]);
      return { code: 0, stdout: account.queuePages[page - 1] ?? "\n", stderr: "" };
    }
    if (args[0] === "secret" && args[1] === "list") {
      if (account.secrets === "no worker") {
        return {
          code: 1,
          stdout: "",
          stderr: '\n✘ [ERROR] Worker "mail-tracker" not found.\n\n  If this is a new Worker, run `wrangler deploy` first to create it.\n',
        };
      }
      return {
        code: 0,
        stdout:
          JSON.stringify(
            account.secrets.map((name) => ({ name, type: "secret_text" })),
            null,
            "  ",
          ) + "\n",
        stderr: "",
      };
    }
    throw new Error(`unexpected wrangler ${args.join(" ")}`);
  };
  return { run, calls };
}

async function runPreflight(configPath: string, account: FakeAccount, trackingKeys?: string) {
  const lines: string[] = [];
  const wrangler = fakeWrangler(account);
  const ok = await preflight({ configPath, run: wrangler.run, trackingKeys, out: (l) => lines.push(l) });
  return { ok, output: lines.join("\n"), calls: wrangler.calls };
}

const ALL_QUEUES = [fixture("queues-list-page1.txt"), fixture("queues-list-page2.txt")];
const EVERYTHING = fixture("queues-list-page1.txt").replace("mail-tracker-events-dlq", "mail-tracker-send-dlq  ");

describe("npm run preflight", () => {
  it("lists, on a fresh clone and an empty account, every step still missing with its command", async () => {
    const { ok, output } = await runPreflight(REPO_TOML, { queuePages: [], secrets: "no worker" });
    expect(ok).toBe(false);
    expect(output).toContain("FAIL  D1 database: database_id is the placeholder 00000000-0000-4000-8000-000000000000");
    expect(output).toContain("npx wrangler d1 create mail-tracker");
    for (const queue of ["mail-tracker-events", "mail-tracker-send"]) expect(output).toContain(`npx wrangler queues create ${queue}\n`);
    for (const dlq of ["mail-tracker-events-dlq", "mail-tracker-send-dlq"]) {
      expect(output).toContain(`npx wrangler queues create ${dlq} --message-retention-period-secs 1209600`);
    }
    expect(output).toContain("the worker mail-tracker is not on the account yet");
    for (const secret of REQUIRED) expect(output).toContain(`npx wrangler secret put ${secret}`);
    expect(output).toContain("FAIL  TRACKING_ORIGIN: is empty");
    expect(output).toContain("note  SNS_TOPIC_ARNS: is empty");
    expect(output).toContain("npm run setup");
    expect(output).toContain("npm run connect-ses -- --url https://<your tracking domain> --write");
    expect(output).toContain("FAIL  Custom domain: no route with custom_domain = true");
    expect(output).toContain("skip  TRACKING_KEYS: a secret's value cannot be read back");
    expect(output).toContain("Preflight failed: D1 database, Queues, Secrets, TRACKING_ORIGIN, Custom domain.");
  });

  it("passes a configuration and account that are ready, reading every page of the queue list", async () => {
    const pages = [...ALL_QUEUES, EVERYTHING.replace("mail-tracker-events ", "other-queue         ")];
    const account = { queuePages: pages, secrets: [...REQUIRED, ...AWS_KEYS, "EXTRA"] };
    const { ok, output, calls } = await runPreflight(readyToml(), account, TEST_TRACKING_KEYS);
    expect(output).toContain("Preflight passed");
    expect(ok).toBe(true);
    expect(output).toContain("ok    Sending: enabled");
    expect(output).toContain("ok    [vars]: every value parses");
    expect(calls.filter((c) => c[1] === "list" && c[0] === "queues").map((c) => c[3])).toEqual(["1", "2", "3", "4"]);
    expect(output).toContain("ok    TRACKING_KEYS: 2 key(s); new links are signed with key 2");
    expect(output).toContain("ok    Custom domain: track.example.com");
  });

  it("passes the first deploy, before connect-ses has set SNS_TOPIC_ARNS, with a note of what comes next", async () => {
    const first = readyToml((t) => t.replace(`SNS_TOPIC_ARNS = "${TOPIC}"`, 'SNS_TOPIC_ARNS = ""'));
    const { ok, output } = await runPreflight(first, { queuePages: [EVERYTHING, ...ALL_QUEUES], secrets: REQUIRED });
    expect(output).toContain("Preflight passed");
    expect(ok).toBe(true);
    expect(output).toContain("note  SNS_TOPIC_ARNS: is empty: /sns refuses every SNS message, so no SES event arrives yet");
    expect(output).toContain("after this deploy: npm run connect-ses -- --url https://<your tracking domain> --write");
  });

  it("names only what is missing: a queue, a secret, the other AWS key", async () => {
    const { ok, output } = await runPreflight(readyToml(), {
      queuePages: ALL_QUEUES,
      secrets: ["TRACKING_KEYS", "ERASURE_KEY", "AWS_ACCESS_KEY_ID"],
    });
    expect(ok).toBe(false);
    expect(output).toContain("FAIL  Queues: missing on the account: mail-tracker-send-dlq; create them:");
    expect(output).not.toContain("npx wrangler queues create mail-tracker-events");
    expect(output).toContain("FAIL  Secrets: not set: API_TOKEN");
    expect(output).toContain("FAIL  Sending: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    expect(output).toContain("npx wrangler secret put AWS_SECRET_ACCESS_KEY");
    expect(output).not.toContain("secret put TRACKING_KEYS");
    expect(output).not.toContain("secret put AWS_ACCESS_KEY_ID");
  });

  it("passes a tracking-only worker without AWS keys, saying that sending is disabled and how to enable it", async () => {
    const { ok, output } = await runPreflight(readyToml(), { queuePages: [EVERYTHING, ...ALL_QUEUES], secrets: REQUIRED }, TEST_TRACKING_KEYS);
    expect(output).toContain("Preflight passed");
    expect(ok).toBe(true);
    expect(output).toContain("ok    Secrets: all 3 required secrets are set: API_TOKEN, TRACKING_KEYS, ERASURE_KEY");
    expect(output).toContain("note  Sending: sending disabled: no AWS keys, so the worker tracks only");
    for (const key of AWS_KEYS) expect(output).toContain(`npx wrangler secret put ${key}`);
    expect(output).not.toContain("SES_SYNC_SUPPRESSIONS");

    const mirroring = readyToml((t) => t.replace('SES_SYNC_SUPPRESSIONS = "false"', 'SES_SYNC_SUPPRESSIONS = "true"'));
    const withMirror = await runPreflight(mirroring, { queuePages: [EVERYTHING, ...ALL_QUEUES], secrets: REQUIRED });
    expect(withMirror.ok).toBe(true);
    expect(withMirror.output).toContain("SES_SYNC_SUPPRESSIONS is true: suppressions wait, unmirrored, until the keys are set");
  });

  it("refuses [vars] the worker itself would refuse, naming each one", async () => {
    const broken = readyToml((t) =>
      t.replace('SEND_RATE_PER_SECOND = "14"', 'SEND_RATE_PER_SECOND = "fast"').replace('SES_REGION = "us-east-1"', 'SES_REGION = "Virginia"'),
    );
    const { ok, output } = await runPreflight(broken, { queuePages: [EVERYTHING, ...ALL_QUEUES], secrets: REQUIRED });
    expect(ok).toBe(false);
    expect(output).toContain('FAIL  [vars]: SES_REGION must be an AWS region such as us-east-1 (got "Virginia")');
    expect(output).toContain('SEND_RATE_PER_SECOND must be a number of messages per second above 0, such as 14 or 0.5 (got "fast")');
    expect(output).toContain("Preflight failed: [vars].");
  });

  it("says to log in when wrangler cannot reach the account, and still lists the queue commands", async () => {
    const { ok, output } = await runPreflight(readyToml(), { queuePages: [], secrets: "not logged in" });
    expect(ok).toBe(false);
    expect(output).toContain("FAIL  Queues: could not list the account's queues: [ERROR] In a non-interactive environment");
    expect(output).toContain("log in (npx wrangler login, or set CLOUDFLARE_API_TOKEN) and run again");
    expect(output).toContain("npx wrangler queues create mail-tracker-send-dlq --message-retention-period-secs 1209600");
    expect(output).not.toContain("Logs were written");
  });
});

describe("preflight checks", () => {
  const config = (vars: Record<string, string>, routes?: ConfigView["routes"]): ConfigView => ({
    d1_databases: [],
    queues: {},
    vars,
    routes,
    secrets: { required: REQUIRED },
  });
  const domain = [{ pattern: "track.example.com", custom_domain: true }];

  it("wants TRACKING_ORIGIN to be the https origin of the worker's custom domain", () => {
    expect(checkTrackingOrigin(config({ TRACKING_ORIGIN: "https://track.example.com" }, domain)).status).toBe("pass");
    expect(checkTrackingOrigin(config({ TRACKING_ORIGIN: "http://track.example.com" }, domain)).details[0]).toContain("must be an https origin");
    expect(checkTrackingOrigin(config({ TRACKING_ORIGIN: "https://track.example.com/t" }, domain)).status).toBe("fail");
    expect(checkTrackingOrigin(config({ TRACKING_ORIGIN: "https://links.example.org" }, domain)).details[0]).toContain(
      "links.example.org is not among this worker's custom domains (track.example.com)",
    );
  });

  it("wants SNS_TOPIC_ARNS to hold SNS topic ARNs", () => {
    expect(checkTopicArns(config({ SNS_TOPIC_ARNS: `${TOPIC}, arn:aws:sns:eu-west-1:123456789012:b` })).status).toBe("pass");
    expect(checkTopicArns(config({ SNS_TOPIC_ARNS: "mail-tracker-ses" })).details[0]).toBe("not SNS topic ARNs: mail-tracker-ses");
  });

  it("checks the format of TRACKING_KEYS when given it, with the worker's own parser", () => {
    expect(checkTrackingKeys("1:c2hvcnQ").details[0]).toContain("TRACKING_KEYS key 1 must be base64url of at least 32 bytes");
    expect(checkTrackingKeys("1:a,1:b").status).toBe("fail");
    expect(checkTrackingKeys(undefined).status).toBe("skip");
  });

  it("refuses a local SES endpoint in the deployed configuration", () => {
    expect(checkSesEndpoint(config({ SES_ENDPOINT: "http://127.0.0.1:8005" })).status).toBe("fail");
    expect(checkSesEndpoint(config({ SES_ENDPOINT: "https://email.eu-west-1.amazonaws.com" })).status).toBe("pass");
  });

  it("compares the secrets set with [secrets].required", () => {
    expect(checkSecrets(config({}), { ok: true, value: REQUIRED }).status).toBe("pass");
    expect(checkSecrets({ ...config({}), secrets: { required: ["API_TOKEN", "NEW_ONE"] } }, { ok: true, value: REQUIRED }).details[0]).toBe(
      "not set: NEW_ONE",
    );
  });

  it("reads queue names from the table wrangler prints, and nothing from an empty page", () => {
    expect(parseQueueTable(fixture("queues-list-page1.txt"))).toEqual(["mail-tracker-events", "mail-tracker-events-dlq"]);
    expect(parseQueueTable(`\u001b[90m${fixture("queues-list-page2.txt")}\u001b[39m`)).toEqual([
      "newsletter-jobs",
      "mail-tracker-send",
      "mail-tracker-webhooks",
      "mail-tracker-webhooks-dlq",
    ]);
    expect(parseQueueTable("\n")).toEqual([]);
  });
});
