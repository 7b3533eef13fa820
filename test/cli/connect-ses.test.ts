// connect-ses against a fake SES v2 + SNS that checks every request, and a fake Cloudflare account for the deploy it
// makes: first run, idempotence, dry run, drift, deploys, errors.
import { readFileSync } from "node:fs";
import path from "node:path";
import { unstable_readConfig } from "wrangler";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ACCOUNT_ID, FakeAws } from "./support/fake-aws";
import { fakeCloudflare, noWrangler, REPO, runConnect, tempWranglerToml } from "./support/connect";

const ALL_EVENT_TYPES = ["BOUNCE", "CLICK", "COMPLAINT", "DELIVERY", "DELIVERY_DELAY", "OPEN", "REJECT", "RENDERING_FAILURE", "SEND", "SUBSCRIPTION"];
const TOPIC_ARN = `arn:aws:sns:us-east-1:${ACCOUNT_ID}:mail-tracker-ses`;

const POLICY_ACTIONS: string[] = (
  JSON.parse(readFileSync(path.join(REPO, "docs", "iam-policy.json"), "utf8")) as {
    Statement: Array<{ Action: string[] }>;
  }
).Statement.flatMap((s) => s.Action);

let fake: FakeAws;
let toml: string;

beforeEach(async () => {
  fake = new FakeAws({ accessKeyId: "AKIAFAKESETUP0000001", secretAccessKey: "fake-secret-key/for+tests" });
  await fake.start();
  fake.identities.set("example.com", { type: "DOMAIN", verified: true, dkim: "SUCCESS" });
  // A worker deployed with the topic on its allow-list, unless a test says otherwise.
  fake.worker.allowedTopics = [TOPIC_ARN];
  toml = tempWranglerToml();
});

afterEach(async () => {
  await fake.close();
  expect(fake.violations).toEqual([]);
});

/** A topic, set and destination as a first run leaves them, then changed the way a console user might. */
async function seedDrift(): Promise<void> {
  expect((await runConnect(fake, toml)).ok).toBe(true);
  fake.topics.get(TOPIC_ARN)!.attributes.SignatureVersion = "1";
  fake.configurationSets.get("mail-tracker")!.set("mail-tracker-sns", {
    Enabled: false,
    MatchingEventTypes: ["BOUNCE", "COMPLAINT"],
    SnsDestination: { TopicArn: TOPIC_ARN },
  });
  fake.requests.length = 0;
}

/** Lines of `output` that start (after the indent) with each of `starts`, in that order: the index of each. */
function positions(output: string, ...starts: string[]): number[] {
  const lines = output.split("\n").map((l) => l.trim());
  return starts.map((start) => lines.findIndex((l) => l.startsWith(start)));
}

describe("connect-ses, first run", () => {
  it("in one run with --write: creates the topic and configuration set, writes wrangler.toml, deploys, and gets the subscription confirmed", async () => {
    await fake.close();
    // Temporary credentials: the session token must be sent and signed.
    fake = new FakeAws({ accessKeyId: "ASIAFAKESETUP0000001", secretAccessKey: "fake-secret", sessionToken: "session/token+=" });
    await fake.start();
    fake.identities.set("example.com", { type: "DOMAIN", verified: true, dkim: "SUCCESS" });
    // The worker as npm run deploy first deployed it: SNS_TOPIC_ARNS empty, as shipped, so /sns refuses every topic.
    fake.worker.allowedTopics = [];
    const cloudflare = await fakeCloudflare(fake, toml);
    const before = readFileSync(toml, "utf8");

    const run = await runConnect(fake, toml, { write: true, run: cloudflare.run });

    expect(run.output).toContain(`created: topic ${TOPIC_ARN}`);
    expect(run.ok).toBe(true);
    const topic = fake.topics.get(TOPIC_ARN)!;
    expect(topic.attributes.SignatureVersion).toBe("2");
    // The fake refuses a policy over SNS's limits; this is what SNS keeps.
    expect(JSON.parse(topic.attributes.DeliveryPolicy!).http.defaultHealthyRetryPolicy).toMatchObject({ numRetries: 60, maxDelayTarget: 60 });
    const destination = fake.configurationSets.get("mail-tracker")!.get("mail-tracker-sns")!;
    expect([...destination.MatchingEventTypes].sort()).toEqual(ALL_EVENT_TYPES);
    expect(destination).toMatchObject({ Enabled: true, SnsDestination: { TopicArn: TOPIC_ARN } });
    expect(fake.subscriptions).toMatchObject([{ topicArn: TOPIC_ARN, protocol: "http", endpoint: `${fake.workerUrl}/sns`, confirmed: true }]);
    expect(run.output).toContain("confirmed by the worker");

    // npm run deploy's steps, once: preflight's reads, the remote migrations, the deploy, on the file it wrote.
    expect(cloudflare.commands().filter((c) => !c.endsWith(" list") && !c.includes(" list "))).toEqual([
      "d1 migrations apply mail-tracker --remote",
      "deploy",
    ]);
    expect(cloudflare.wrangler.state.deploys).toEqual([toml]);
    // Written, then deployed, then the worker took the topic, and only then subscribed.
    const at = positions(
      run.output,
      "updated: ",
      "deployed: the worker",
      "the worker takes the topic after 0 s",
      "created: subscription",
      "confirmed by the worker",
    );
    expect(at.every((p) => p >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(run.output).toMatch(/^5\. Worker configuration and deployment$/m);
    expect(run.output).toMatch(/^6\. Subscription of /m);
    expect(run.output).toContain("Done: ");

    // Step 5, applied: wrangler reads the values back, and every comment of the file is still there.
    const vars = unstable_readConfig({ config: toml }).vars;
    expect(vars).toMatchObject({
      SNS_TOPIC_ARNS: TOPIC_ARN,
      SES_CONFIGURATION_SET: "mail-tracker",
      SES_REGION: "us-east-1",
      SNS_SIGNATURE_VERSION: "2",
    });
    const comments = (text: string) => text.split("\n").filter((l) => l.trim().startsWith("#"));
    const after = readFileSync(toml, "utf8");
    expect(comments(after).filter((c) => comments(before).includes(c))).toEqual(comments(before));
    expect(run.output).toContain(`SNS_TOPIC_ARNS = "${TOPIC_ARN}"`);

    // Every call the run made is one the documented IAM policy allows.
    expect(fake.requests.map((r) => r.iamAction).filter((a) => !POLICY_ACTIONS.includes(a))).toEqual([]);
  });

  it("keeps topics already on SNS_TOPIC_ARNS when it adds its own", async () => {
    const other = `arn:aws:sns:eu-west-1:${ACCOUNT_ID}:older-topic`;
    const cloudflare = await fakeCloudflare(fake, toml);
    const text = readFileSync(toml, "utf8").replace('SNS_TOPIC_ARNS = ""', `SNS_TOPIC_ARNS = "${other}"`);
    await import("node:fs").then((fs) => fs.writeFileSync(toml, text));
    expect((await runConnect(fake, toml, { write: true, run: cloudflare.run })).ok).toBe(true);
    expect(unstable_readConfig({ config: toml }).vars.SNS_TOPIC_ARNS).toBe(`${other},${TOPIC_ARN}`);
    expect(fake.worker.allowedTopics).toEqual([other, TOPIC_ARN]);
  });
});

describe("connect-ses, run again", () => {
  it("changes nothing and deploys nothing the second time, and says so", async () => {
    const cloudflare = await fakeCloudflare(fake, toml);
    expect((await runConnect(fake, toml, { write: true, run: cloudflare.run })).ok).toBe(true);
    expect(cloudflare.wrangler.state.deploys).toHaveLength(1);
    const written = readFileSync(toml, "utf8");
    const wranglerCalls = cloudflare.wrangler.calls.length;
    fake.requests.length = 0;

    const second = await runConnect(fake, toml, { write: true, run: cloudflare.run });

    expect(second.ok).toBe(true);
    expect(fake.mutatingRequests()).toEqual([]);
    expect(cloudflare.wrangler.calls.length).toBe(wranglerCalls);
    expect(second.output).toContain(`already as wanted: the worker at ${fake.workerUrl} takes the topic`);
    expect(second.output).not.toMatch(/deployed:|running:/);
    expect(second.output).toContain("Nothing changed: everything was already as wanted.");
    expect(second.output).not.toMatch(/^\s+(created|updated):/m);
    expect(readFileSync(toml, "utf8")).toBe(written);
  });

  it("puts back what was changed by hand, and only that", async () => {
    await seedDrift();
    const run = await runConnect(fake, toml);
    expect(run.ok).toBe(true);
    expect(run.output).toContain("updated: SignatureVersion 1 → 2");
    expect(run.output).toMatch(/updated: event destination mail-tracker-sns.*it is disabled; it leaves out SEND, REJECT, DELIVERY/);
    expect(fake.mutatingRequests().map((r) => r.action)).toEqual(["SetTopicAttributes", "UpdateConfigurationSetEventDestination"]);
    expect(fake.topics.get(TOPIC_ARN)!.attributes.SignatureVersion).toBe("2");
    const destination = fake.configurationSets.get("mail-tracker")!.get("mail-tracker-sns")!;
    expect(destination.Enabled).toBe(true);
    expect([...destination.MatchingEventTypes].sort()).toEqual(ALL_EVENT_TYPES);
  });
});

describe("connect-ses --dry-run", () => {
  it("makes no mutating call on a fresh account, and prints each one it would make with its parameters", async () => {
    const before = readFileSync(toml, "utf8");
    const run = await runConnect(fake, toml, { dryRun: true, write: true });

    expect(run.ok).toBe(true);
    expect(fake.mutatingRequests()).toEqual([]);
    expect(fake.topics.size + fake.configurationSets.size + fake.subscriptions.length).toBe(0);
    expect(readFileSync(toml, "utf8")).toBe(before);
    // Nothing deployed: the run's wrangler runner throws when called (runConnect's default).
    expect(run.output).toContain("would update: ");
    expect(run.output).toContain("would deploy: the worker (npm run deploy: preflight, remote D1 migrations, wrangler deploy)");
    const planned = `arn:aws:sns:us-east-1:<account id>:mail-tracker-ses`;
    for (const line of [
      'would call SNS CreateTopic {"Name":"mail-tracker-ses"}',
      `would call SNS SetTopicAttributes {"TopicArn":"${planned}","AttributeName":"SignatureVersion","AttributeValue":"2"}`,
      `would call SNS SetTopicAttributes {"TopicArn":"${planned}","AttributeName":"DeliveryPolicy"`,
      'would call SES CreateConfigurationSet POST /v2/email/configuration-sets {"ConfigurationSetName":"mail-tracker"}',
      'would call SES CreateConfigurationSetEventDestination POST /v2/email/configuration-sets/mail-tracker/event-destinations {"EventDestinationName":"mail-tracker-sns"',
      `would call SNS Subscribe {"TopicArn":"${planned}","Protocol":"http","Endpoint":"${fake.workerUrl}/sns","ReturnSubscriptionArn":"true"}`,
      "reading SES GetAccount GET /v2/email/account",
      "reading SNS ListTopics {}",
    ]) {
      expect(run.output).toContain(line);
    }
    expect(run.output).toContain("nothing was changed");
  });

  it("says that nothing would change once everything is in place", async () => {
    const cloudflare = await fakeCloudflare(fake, toml);
    expect((await runConnect(fake, toml, { write: true, run: cloudflare.run })).ok).toBe(true);
    fake.requests.length = 0;
    const run = await runConnect(fake, toml, { dryRun: true, write: true });
    expect(fake.mutatingRequests()).toEqual([]);
    expect(run.output).toContain("Dry run: nothing would change");
    expect(run.output).not.toContain("would call");
  });

  it("lists the repairs it would make to a changed setup without making them", async () => {
    await seedDrift();
    const run = await runConnect(fake, toml, { dryRun: true });
    expect(fake.mutatingRequests()).toEqual([]);
    expect(run.output).toContain("would update: SignatureVersion 1 → 2");
    expect(run.output).toContain(
      "would call SES UpdateConfigurationSetEventDestination PUT /v2/email/configuration-sets/mail-tracker/event-destinations/mail-tracker-sns",
    );
    expect(fake.topics.get(TOPIC_ARN)!.attributes.SignatureVersion).toBe("1");
  });
});

describe("connect-ses, missing permissions", () => {
  // Each action of the documented policy, denied alone: the message names it, so the user knows what to add.
  it.each(POLICY_ACTIONS)("names %s when AWS refuses it", async (action) => {
    // These two are reached only when the configuration set exists already.
    if (action === "ses:GetConfigurationSetEventDestinations" || action === "ses:UpdateConfigurationSetEventDestination") await seedDrift();
    fake.denied.add(action);
    const run = await runConnect(fake, toml);
    expect(fake.requests.some((r) => r.iamAction === action)).toBe(true);
    expect(run.ok).toBe(false);
    expect(run.output).toContain(`Missing permission: add the IAM action "${action}"`);
    expect(run.output).toContain("docs/iam-policy.json");
    // Nothing after the refused call was attempted.
    const refused = fake.requests.findIndex((r) => r.iamAction === action);
    expect(fake.requests.length).toBe(refused + 1);
  });

  it("tells refused credentials apart from a missing permission", async () => {
    const lines: string[] = [];
    const { connectSes } = await import("../../scripts/connect-ses/run");
    const { awsSettingsFromEnv } = await import("../../scripts/aws/client");
    const ok = await connectSes({
      origin: fake.workerUrl,
      settings: awsSettingsFromEnv({ ...fake.env(), AWS_SECRET_ACCESS_KEY: "not-the-secret" }),
      dryRun: true,
      write: false,
      topicName: "mail-tracker-ses",
      configurationSet: "mail-tracker",
      tomlPath: toml,
      run: noWrangler,
      out: (l) => lines.push(l),
    });
    expect(ok).toBe(false);
    expect(lines.join("\n")).toContain("AWS does not accept these credentials: check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    // The fake saw a badly signed request: that is what this test is about.
    expect(fake.violations.splice(0).join()).toContain("signature does not match");
  });
});

describe("connect-ses, the worker's side of the subscription", () => {
  it("waits a bounded time for a confirmation that never comes, says why it may not come, and still prints the values", async () => {
    fake.worker.confirms = false;
    const run = await runConnect(fake, toml);

    expect(run.ok).toBe(false);
    expect(run.slept).toBe(60_000);
    expect(run.output).toContain("the worker did not confirm the subscription within 60 s (it is still PendingConfirmation)");
    expect(run.output).toContain(`its deployed SNS_TOPIC_ARNS lists (${TOPIC_ARN})`);
    expect(run.output).toContain(`SNS_TOPIC_ARNS = "${TOPIC_ARN}"`);
    // One look before subscribing, then one every 3 s from 0 to 60 s.
    expect(fake.requests.filter((r) => r.action === "ListSubscriptionsByTopic")).toHaveLength(1 + 21);

    // Once the worker confirms, a rerun asks SNS for the confirmation again and finishes.
    fake.worker.confirms = true;
    const rerun = await runConnect(fake, toml);
    expect(rerun.ok).toBe(true);
    expect(rerun.output).toContain("confirmation requested again (it was pending)");
    expect(fake.subscriptions).toMatchObject([{ confirmed: true }]);
  });

  it("without --write, does not subscribe a worker whose SNS_TOPIC_ARNS leaves the topic out, and says what to run", async () => {
    fake.worker.allowedTopics = [`arn:aws:sns:us-east-1:${ACCOUNT_ID}:some-other-topic`];
    const before = readFileSync(toml, "utf8");
    const run = await runConnect(fake, toml);

    expect(run.ok).toBe(false);
    expect(run.output).toMatch(/\[vars\] differs in SNS_TOPIC_ARNS.*: run again with --write \(it writes them and deploys\)/);
    expect(run.output).toContain(`refuses this topic: its SNS_TOPIC_ARNS does not contain ${TOPIC_ARN}`);
    expect(run.output).toContain("Run this command again with --write: it puts step 5's SNS_TOPIC_ARNS in wrangler.toml and deploys the worker.");
    expect(fake.requests.some((r) => r.action === "Subscribe")).toBe(false);
    // Nothing written, nothing deployed (runConnect's default runner throws if called).
    expect(readFileSync(toml, "utf8")).toBe(before);
    expect(run.output).not.toContain("deploy:");
  });

  it("does not subscribe a worker that cannot be reached, and says to deploy it first", async () => {
    fake.worker.up = false;
    const run = await runConnect(fake, toml);
    expect(run.ok).toBe(false);
    expect(run.output).toContain(`the worker at ${fake.workerUrl} cannot confirm a subscription now`);
    expect(run.output).toContain("could not be reached");
    expect(run.output).toContain("Deploy it first");
    expect(fake.requests.some((r) => r.action === "Subscribe")).toBe(false);
  });
});

describe("connect-ses --write, deploying the worker", () => {
  const ignoringReads = (commands: string[]) => commands.filter((c) => !/ list( |$)/.test(c));

  it("waits, bounded, until the new deployment takes the topic, and subscribes only then", async () => {
    fake.worker.allowedTopics = [];
    // The old version keeps answering the first 3 probes.
    const cloudflare = await fakeCloudflare(fake, toml, 3);
    const run = await runConnect(fake, toml, { write: true, run: cloudflare.run });

    expect(run.ok).toBe(true);
    expect(run.output).toContain("waiting up to 60 s for the deployed worker to take the topic…");
    expect(run.output).toContain("the worker takes the topic after 9 s");
    expect(fake.subscriptions).toMatchObject([{ confirmed: true }]);
    // 9 s for the rollout (3 s apart), then 3 s until the confirmation shows.
    expect(run.slept).toBe(12_000);
  });

  it("stops before subscribing when the deployed worker never takes the topic (--url is another worker)", async () => {
    fake.worker.allowedTopics = [];
    const cloudflare = await fakeCloudflare(fake, toml);
    cloudflare.reachesWorker = false;
    const run = await runConnect(fake, toml, { write: true, run: cloudflare.run });

    expect(run.ok).toBe(false);
    expect(run.slept).toBe(60_000);
    expect(run.output).toContain(`FAILED: the deployed worker at ${fake.workerUrl} did not take the topic within 60 s`);
    expect(run.output).toContain(`it still answers topic_not_allowed: is ${fake.workerUrl} the worker ${toml} deploys (its routes)?`);
    expect(run.output).toContain("not tried: the worker must take the topic first (step 5)");
    expect(fake.requests.some((r) => r.action === "Subscribe")).toBe(false);
  });

  it("stops at a failed deploy with wrangler's reason and the command to run; the next run deploys and subscribes", async () => {
    fake.worker.allowedTopics = [];
    const cloudflare = await fakeCloudflare(fake, toml);
    cloudflare.wrangler.state.failing = ["deploy"];
    const run = await runConnect(fake, toml, { write: true, run: cloudflare.run });

    expect(run.ok).toBe(false);
    expect(run.output).toContain(
      `FAILED: deploy failed: npx wrangler deploy -c ${toml} failed: [ERROR] A request to the Cloudflare API failed: deploy [code: 10000]`,
    );
    expect(run.output).toContain(`${toml} already holds the new values. Fix that, then deploy them: npm run deploy`);
    expect(run.output).toContain("Not finished: 1 problem(s) above");
    expect(fake.requests.some((r) => r.action === "Subscribe")).toBe(false);
    expect(run.slept).toBe(0);
    // The file keeps what it needs; the worker, as deployed, still refuses the topic.
    expect(unstable_readConfig({ config: toml }).vars.SNS_TOPIC_ARNS).toBe(TOPIC_ARN);

    // Fixed: the file is as wanted now, but the deployed worker is behind it, so the next run deploys it.
    cloudflare.wrangler.state.failing = [];
    const rerun = await runConnect(fake, toml, { write: true, run: cloudflare.run });
    expect(rerun.ok).toBe(true);
    expect(rerun.output).toContain(
      "deployed: the worker (npm run deploy: preflight, remote D1 migrations, wrangler deploy): " +
        "the deployed worker's SNS_TOPIC_ARNS leaves out the topic, which wrangler.toml lists",
    );
    expect(cloudflare.wrangler.state.deploys).toHaveLength(1);
    expect(fake.subscriptions).toMatchObject([{ confirmed: true }]);
  });

  it("deploys nothing, not even the migrations, when preflight fails", async () => {
    fake.worker.allowedTopics = [];
    const cloudflare = await fakeCloudflare(fake, toml);
    delete cloudflare.wrangler.state.workers["mail-tracker"]!.ERASURE_KEY;
    const run = await runConnect(fake, toml, { write: true, run: cloudflare.run });

    expect(run.ok).toBe(false);
    expect(run.output).toContain("FAIL  Secrets:");
    expect(run.output).toContain("FAILED: deploy failed: preflight failed (the FAIL lines above)");
    expect(ignoringReads(cloudflare.commands())).toEqual([]);
    expect(fake.requests.some((r) => r.action === "Subscribe")).toBe(false);
  });

  it("in a dry run, says it would deploy a worker that is behind wrangler.toml, and runs nothing", async () => {
    // wrangler.toml as --write left it, the worker deployed before that.
    await import("node:fs").then((fs) =>
      fs.writeFileSync(
        toml,
        readFileSync(toml, "utf8")
          .replace('SNS_TOPIC_ARNS = ""', `SNS_TOPIC_ARNS = "${TOPIC_ARN}"`)
          .replace('SES_CONFIGURATION_SET = ""', 'SES_CONFIGURATION_SET = "mail-tracker"'),
      ),
    );
    expect((await runConnect(fake, toml)).ok).toBe(true);
    fake.subscriptions.length = 0;
    fake.worker.allowedTopics = [];
    fake.requests.length = 0;

    const run = await runConnect(fake, toml, { write: true, dryRun: true });

    expect(run.ok).toBe(true);
    expect(run.output).toContain("would deploy: the worker (npm run deploy: preflight, remote D1 migrations, wrangler deploy)");
    expect(run.output).toContain(`would create: subscription ${fake.workerUrl}/sns (http), once the deployed worker takes the topic`);
    expect(fake.mutatingRequests()).toEqual([]);
    // runConnect's default runner throws when called: reaching here means no wrangler command ran.
    expect(run.output).toContain("nothing was changed");
  });
});

describe("connect-ses, account and identities", () => {
  it("explains a sandbox account: who it can send to, its quota, and how to leave it", async () => {
    fake.account = { ...fake.account, production: false, max24h: 200, maxRate: 1 };
    const run = await runConnect(fake, toml);
    expect(run.output).toContain(
      "Sandbox in us-east-1: SES sends only to verified addresses (and the mailbox simulator), up to 200 messages per 24 hours, at most 1 per second.",
    );
    expect(run.output).toContain("to do: leave the SES sandbox in us-east-1");
    expect(run.output).toContain("aws sesv2 put-account-details --region us-east-1 --production-access-enabled");
  });

  it("explains a production account's quota and the send rate to keep under", async () => {
    fake.account = { ...fake.account, production: true, max24h: 50_000, maxRate: 14, sent24h: 1234 };
    const run = await runConnect(fake, toml);
    expect(run.output).toContain(
      "Production access in us-east-1: SES sends to any address, up to 50,000 messages per 24 hours (1,234 sent in the last 24), at most 14 per second.",
    );
    expect(run.output).toContain("Keep SEND_RATE_PER_SECOND in wrangler.toml at or below 14.");
    expect(run.output).not.toContain("sandbox");
  });

  it("says how to verify a domain when no identity can send", async () => {
    fake.identities.clear();
    const run = await runConnect(fake, toml);
    expect(run.output).toContain("to do: no sending identity in us-east-1: verify the domain you send from");
    expect(run.output).toContain("aws sesv2 create-email-identity --region us-east-1 --email-identity example.com");
  });

  it("prints the DKIM records still missing, for every identity across pages", async () => {
    fake.identities.set("news.example.org", { type: "DOMAIN", verified: false, dkim: "PENDING" });
    fake.identities.set("ann@example.net", { type: "EMAIL_ADDRESS", verified: false });
    const run = await runConnect(fake, toml);
    expect(run.output).toContain("example.com (domain): verified for sending, DKIM SUCCESS");
    expect(run.output).toContain("news.example.org (domain): not verified (PENDING), DKIM PENDING");
    expect(run.output).toContain("a1b2c3d4e5f6g7h8i9j0._domainkey.news.example.org  CNAME  a1b2c3d4e5f6g7h8i9j0.dkim.amazonses.com");
    expect(run.output).toContain("ann@example.net (address): not verified (PENDING)");
    expect(run.output).not.toContain("to do: no identity");
  });
});
