// A local fake of SES v2 and SNS for the setup scripts' tests: checks each request (action, parameters, SigV4),
// answers with the shapes of the AWS API references, keeps state; and a fake worker with /healthz and /sns.

import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { sigV4Problems, type ExpectedSigner } from "./sigv4";

export const ACCOUNT_ID = "123456789012";

/** SES v2 EventType values (API reference, EventDestination.MatchingEventTypes). */
const SES_EVENT_TYPES = new Set([
  "SEND",
  "REJECT",
  "BOUNCE",
  "COMPLAINT",
  "DELIVERY",
  "OPEN",
  "CLICK",
  "RENDERING_FAILURE",
  "DELIVERY_DELAY",
  "SUBSCRIPTION",
]);
const SNS_MUTATING = new Set([
  "CreateTopic",
  "SetTopicAttributes",
  "Subscribe",
  "Unsubscribe",
  "DeleteTopic",
  "SetSubscriptionAttributes",
  "ConfirmSubscription",
]);

export interface RecordedRequest {
  service: "ses" | "sns";
  action: string;
  /** The IAM action AWS would check for this call. */
  iamAction: string;
  mutating: boolean;
  /** SNS form parameters (without Action and Version), or the SES JSON body. */
  params: Record<string, unknown>;
}

export interface FakeIdentity {
  type: "DOMAIN" | "EMAIL_ADDRESS";
  verified: boolean;
  dkim?: "SUCCESS" | "PENDING" | "FAILED" | "NOT_STARTED";
}

interface Topic {
  arn: string;
  attributes: Record<string, string>;
}

interface FakeSubscription {
  arn: string;
  topicArn: string;
  protocol: string;
  endpoint: string;
  confirmed: boolean;
  /** ListSubscriptionsByTopic calls left before the fake worker's confirmation lands; undefined: it never does. */
  pollsLeft?: number;
}

interface EventDestination {
  Enabled?: boolean;
  MatchingEventTypes: string[];
  SnsDestination?: { TopicArn: string };
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface FakeWorker {
  up: boolean;
  /** Its SNS_TOPIC_ARNS; empty (as wrangler.toml ships it) refuses every topic, as the worker does. */
  allowedTopics: string[];
  /** Whether it confirms a subscription SNS asks it to (when it allows the topic). */
  confirms: boolean;
  /** ListSubscriptionsByTopic calls after Subscribe before the confirmation shows. */
  confirmAfterPolls: number;
}

export class FakeAws {
  url = "";
  workerUrl = "";
  readonly requests: RecordedRequest[] = [];
  /** Requests that a real AWS would have refused as malformed or badly signed. */
  readonly violations: string[] = [];
  readonly denied = new Set<string>();
  account = { production: false, sendingEnabled: true, max24h: 200, maxRate: 1, sent24h: 0, enforcement: "HEALTHY" };
  readonly identities = new Map<string, FakeIdentity>();
  readonly topics = new Map<string, Topic>();
  readonly subscriptions: FakeSubscription[] = [];
  readonly configurationSets = new Map<string, Map<string, EventDestination>>();
  worker: FakeWorker = { up: true, allowedTopics: [], confirms: true, confirmAfterPolls: 1 };
  /** A new deployment of the worker, taking over after this many more POST /sns (as a version reaches every location). */
  private rollout?: { allowedTopics: string[]; requestsLeft: number };
  /** Small pages, so that the clients' paging is exercised. */
  pageSize = 2;
  private servers: Server[] = [];

  constructor(
    readonly credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
    readonly region = "us-east-1",
  ) {}

  async start(): Promise<void> {
    this.url = await this.listen((req, res, body) => this.handleAws(req, res, body));
    this.workerUrl = await this.listen((req, res, body) => this.handleWorker(req, res, body));
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    for (const s of this.servers) s.closeAllConnections();
  }

  /** Env variables pointing the setup scripts at this fake. */
  env(): Record<string, string> {
    return {
      AWS_ACCESS_KEY_ID: this.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: this.credentials.secretAccessKey,
      ...(this.credentials.sessionToken ? { AWS_SESSION_TOKEN: this.credentials.sessionToken } : {}),
      AWS_REGION: this.region,
      AWS_ENDPOINT_URL_SESV2: this.url,
      AWS_ENDPOINT_URL_SNS: this.url,
    };
  }

  mutatingRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.mutating);
  }

  topicArn(name: string): string {
    return `arn:aws:sns:${this.region}:${ACCOUNT_ID}:${name}`;
  }

  private listen(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void | Promise<void>): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        Promise.resolve(handler(req, res, Buffer.concat(chunks).toString("utf8"))).catch((err: unknown) => {
          this.violations.push(`fake crashed: ${String(err)}`);
          res.writeHead(500).end();
        });
      });
    });
    this.servers.push(server);
    return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
  }

  // ---- the fake worker -------------------------------------------------------------------------------------------

  private topicAllowed(arn: string): boolean {
    return this.worker.allowedTopics.includes(arn);
  }

  /** The worker deployed with this SNS_TOPIC_ARNS: the old one keeps answering `afterRequests` more POST /sns. */
  deployWorker(allowedTopics: string[], afterRequests = 0): void {
    this.rollout = { allowedTopics, requestsLeft: afterRequests };
  }

  private handleWorker(req: IncomingMessage, res: ServerResponse, body: string): void {
    if (!this.worker.up) {
      req.socket.destroy();
      return;
    }
    if (req.method === "GET" && req.url === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      return;
    }
    if (req.method === "POST" && req.url === "/sns") {
      if (this.rollout && this.rollout.requestsLeft-- <= 0) {
        this.worker.allowedTopics = this.rollout.allowedTopics;
        this.rollout = undefined;
      }
      const topic = (JSON.parse(body) as { TopicArn?: string }).TopicArn ?? "";
      // The worker's answers (src/routes/sns.ts): the allow-list first (closed while empty), then the signature.
      const [status, answer] = this.topicAllowed(topic)
        ? [400, { error: "bad_request", message: "missing field Signature", reason: "malformed" }]
        : [403, { error: "forbidden", message: "the topic is not on the SNS_TOPIC_ARNS allow-list", reason: "topic_not_allowed" }];
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(answer));
      return;
    }
    res.writeHead(404).end("not found");
  }

  // ---- AWS -------------------------------------------------------------------------------------------------------

  private async handleAws(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const path = (req.url ?? "/").split("?")[0]!;
    const service = path.startsWith("/v2/email/") ? "ses" : "sns";
    const expected: ExpectedSigner = { ...this.credentials, region: this.region, service };
    const problems = sigV4Problems({ method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers, body }, expected);
    try {
      if (problems.length > 0) {
        this.violations.push(...problems);
        throw new ApiError(403, service === "ses" ? "UnrecognizedClientException" : "SignatureDoesNotMatch", problems.join("; "));
      }
      if (service === "ses") {
        const answer = this.ses(req.method ?? "GET", req.url ?? "/", body);
        res.writeHead(200, { "content-type": "application/json", "x-amzn-requestid": randomUUID() }).end(JSON.stringify(answer));
      } else {
        const xml = this.sns(req, body);
        res.writeHead(200, { "content-type": "text/xml" }).end(xml);
      }
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (service === "ses") {
        res.writeHead(err.status, {
          "content-type": "application/json",
          "x-amzn-errortype": `${err.code}:http://internal.amazon.com/coral/com.amazonaws.sesv2/`,
        });
        res.end(JSON.stringify({ message: err.message }));
      } else {
        const type = err.status >= 500 ? "Receiver" : "Sender";
        res.writeHead(err.status, { "content-type": "text/xml" });
        res.end(
          `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${type}</Type><Code>${err.code}</Code>` +
            `<Message>${xmlEscape(err.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
        );
      }
    }
  }

  private record(service: "ses" | "sns", action: string, mutating: boolean, params: Record<string, unknown>, resource: string): void {
    const iamAction = `${service}:${action}`;
    this.requests.push({ service, action, iamAction, mutating, params });
    if (this.denied.has(iamAction)) {
      const user = `arn:aws:iam::${ACCOUNT_ID}:user/mail-tracker-setup`;
      const message = `User: ${user} is not authorized to perform: ${service === "sns" ? "SNS" : "ses"}:${action} on resource: ${resource}`;
      throw service === "sns" ? new ApiError(403, "AuthorizationError", message) : new ApiError(403, "AccessDeniedException", message);
    }
  }

  private bad(message: string, code = "BadRequestException"): never {
    this.violations.push(message);
    throw new ApiError(400, code, message);
  }

  // ---- SES v2 (REST JSON) ----

  private ses(method: string, url: string, body: string): unknown {
    const [path, query = ""] = url.split("?", 2) as [string, string?];
    const parts = path.split("/").slice(3).map(decodeURIComponent); // after /v2/email/
    const json = (): Record<string, unknown> => {
      try {
        return body ? (JSON.parse(body) as Record<string, unknown>) : {};
      } catch {
        return this.bad(`body is not JSON: ${body}`);
      }
    };
    const arnFor = (what: string) => `arn:aws:ses:${this.region}:${ACCOUNT_ID}:${what}`;
    const route = `${method} ${parts.map((p, i) => (i % 2 === 1 ? "{}" : p)).join("/")}`;

    switch (route) {
      case "GET account": {
        this.record("ses", "GetAccount", false, {}, arnFor("*"));
        return {
          DedicatedIpAutoWarmupEnabled: false,
          EnforcementStatus: this.account.enforcement,
          ProductionAccessEnabled: this.account.production,
          SendingEnabled: this.account.sendingEnabled,
          SendQuota: { Max24HourSend: this.account.max24h, MaxSendRate: this.account.maxRate, SentLast24Hours: this.account.sent24h },
          SuppressionAttributes: { SuppressedReasons: ["BOUNCE", "COMPLAINT"] },
        };
      }
      case "GET identities": {
        const q = new URLSearchParams(query);
        this.record("ses", "ListEmailIdentities", false, Object.fromEntries(q), arnFor("*"));
        const names = [...this.identities.keys()].sort();
        const start = Number(q.get("NextToken") ?? "0");
        const page = names.slice(start, start + this.pageSize);
        return {
          EmailIdentities: page.map((name) => {
            const id = this.identities.get(name)!;
            return {
              IdentityType: id.type,
              IdentityName: name,
              SendingEnabled: id.verified,
              VerificationStatus: id.verified ? "SUCCESS" : "PENDING",
            };
          }),
          ...(start + this.pageSize < names.length ? { NextToken: String(start + this.pageSize) } : {}),
        };
      }
      case "GET identities/{}": {
        const name = parts[1]!;
        this.record("ses", "GetEmailIdentity", false, { EmailIdentity: name }, arnFor(`identity/${name}`));
        const id = this.identities.get(name);
        if (!id) throw new ApiError(404, "NotFoundException", `Email identity ${name} does not exist.`);
        const tokens = ["a1b2c3d4e5f6g7h8i9j0", "k1l2m3n4o5p6q7r8s9t0", "u1v2w3x4y5z6a7b8c9d0"];
        return {
          IdentityType: id.type,
          FeedbackForwardingStatus: true,
          VerifiedForSendingStatus: id.verified,
          VerificationStatus: id.verified ? "SUCCESS" : "PENDING",
          ...(id.type === "DOMAIN"
            ? { DkimAttributes: { SigningEnabled: true, Status: id.dkim ?? "SUCCESS", Tokens: tokens, SigningAttributesOrigin: "AWS_SES" } }
            : {}),
          MailFromAttributes: { BehaviorOnMxFailure: "USE_DEFAULT_VALUE" },
          Policies: {},
          Tags: [],
        };
      }
      case "POST configuration-sets": {
        const b = json();
        const name = String(b.ConfigurationSetName ?? "");
        this.record("ses", "CreateConfigurationSet", true, b, arnFor(`configuration-set/${name}`));
        if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) this.bad(`ConfigurationSetName ${JSON.stringify(name)} is invalid`);
        if (this.configurationSets.has(name)) throw new ApiError(400, "AlreadyExistsException", `Configuration set <${name}> already exists.`);
        this.configurationSets.set(name, new Map());
        return {};
      }
      case "GET configuration-sets/{}": {
        const name = parts[1]!;
        this.record("ses", "GetConfigurationSet", false, { ConfigurationSetName: name }, arnFor(`configuration-set/${name}`));
        if (!this.configurationSets.has(name)) throw new ApiError(404, "NotFoundException", `Configuration set <${name}> does not exist.`);
        return {
          ConfigurationSetName: name,
          DeliveryOptions: { TlsPolicy: "OPTIONAL" },
          ReputationOptions: { ReputationMetricsEnabled: false },
          SendingOptions: { SendingEnabled: true },
          Tags: [],
        };
      }
      case "GET configuration-sets/{}/event-destinations": {
        const name = parts[1]!;
        this.record("ses", "GetConfigurationSetEventDestinations", false, { ConfigurationSetName: name }, arnFor(`configuration-set/${name}`));
        const set = this.configurationSets.get(name);
        if (!set) throw new ApiError(404, "NotFoundException", `Configuration set <${name}> does not exist.`);
        return { EventDestinations: [...set].map(([Name, d]) => ({ Name, ...d })) };
      }
      case "POST configuration-sets/{}/event-destinations": {
        const name = parts[1]!;
        const b = json();
        this.record("ses", "CreateConfigurationSetEventDestination", true, b, arnFor(`configuration-set/${name}`));
        const set = this.configurationSets.get(name);
        if (!set) throw new ApiError(404, "NotFoundException", `Configuration set <${name}> does not exist.`);
        const destName = String(b.EventDestinationName ?? "");
        if (!/^[A-Za-z0-9_-]{1,64}$/.test(destName)) this.bad(`EventDestinationName ${JSON.stringify(destName)} is invalid`);
        if (set.has(destName)) throw new ApiError(400, "AlreadyExistsException", `Event destination ${destName} already exists.`);
        set.set(destName, this.eventDestination(b.EventDestination));
        return {};
      }
      case "PUT configuration-sets/{}/event-destinations/{}": {
        const [, name, , destName] = parts as [string, string, string, string];
        const b = json();
        this.record(
          "ses",
          "UpdateConfigurationSetEventDestination",
          true,
          { ...b, EventDestinationName: destName },
          arnFor(`configuration-set/${name}`),
        );
        const set = this.configurationSets.get(name);
        if (!set?.has(destName)) throw new ApiError(404, "NotFoundException", `Event destination ${destName} does not exist.`);
        set.set(destName, this.eventDestination(b.EventDestination));
        return {};
      }
      default:
        return this.bad(`no SES v2 operation is ${method} ${path}`, "UnknownOperationException");
    }
  }

  private eventDestination(value: unknown): EventDestination {
    const d = value as EventDestination & Record<string, unknown>;
    if (typeof d !== "object" || d === null) this.bad("EventDestination is missing");
    const types = d.MatchingEventTypes;
    if (!Array.isArray(types) || types.length === 0) this.bad("MatchingEventTypes must list at least one event type");
    const wrong = types.filter((t) => !SES_EVENT_TYPES.has(t));
    if (wrong.length > 0) this.bad(`MatchingEventTypes has unknown values ${wrong.join(",")}`);
    const kinds = ["SnsDestination", "CloudWatchDestination", "KinesisFirehoseDestination", "PinpointDestination", "EventBridgeDestination"].filter(
      (k) => d[k] !== undefined,
    );
    if (kinds.length !== 1) this.bad(`exactly one destination is required, got ${kinds.join(",") || "none"}`);
    const topic = d.SnsDestination?.TopicArn;
    if (topic !== undefined && !this.topics.has(topic)) this.bad(`Could not access SNS topic ${topic}`);
    return { Enabled: d.Enabled, MatchingEventTypes: types, ...(d.SnsDestination ? { SnsDestination: d.SnsDestination } : {}) };
  }

  // ---- SNS (Query API) ----

  private sns(req: IncomingMessage, body: string): string {
    if (req.method !== "POST" || req.url !== "/") this.bad(`SNS Query API requests are POST /, got ${req.method} ${req.url}`, "InvalidAction");
    if (!(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
      this.bad(`SNS wants a form-encoded body, got content-type ${req.headers["content-type"]}`, "InvalidParameter");
    }
    const form = Object.fromEntries(new URLSearchParams(body));
    const { Action: action = "", Version: version, ...params } = form;
    if (version !== "2010-03-31") this.bad(`Version must be 2010-03-31, got ${version}`, "InvalidParameter");
    const mutating = SNS_MUTATING.has(action);
    const topicParam = params.TopicArn ?? "";
    const resource = topicParam || this.topicArn(params.Name ?? "*");
    const topic = () => {
      const t = this.topics.get(topicParam);
      if (!t) throw new ApiError(404, "NotFound", "Topic does not exist");
      return t;
    };
    const respond = (result: string) =>
      `<${action}Response xmlns="http://sns.amazonaws.com/doc/2010-03-31/">${result}` +
      `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`;
    const page = <T>(items: T[], render: (item: T) => string, wrapper: string) => {
      const start = Number(params.NextToken ?? "0");
      const next = start + this.pageSize < items.length ? `<NextToken>${start + this.pageSize}</NextToken>` : "";
      return respond(
        `<${action}Result><${wrapper}>${items
          .slice(start, start + this.pageSize)
          .map(render)
          .join("")}</${wrapper}>${next}</${action}Result>`,
      );
    };

    switch (action) {
      case "ListTopics":
        this.record("sns", action, mutating, params, `arn:aws:sns:${this.region}:${ACCOUNT_ID}:*`);
        return page([...this.topics.keys()].sort(), (arn) => `<member><TopicArn>${arn}</TopicArn></member>`, "Topics");
      case "CreateTopic": {
        this.record("sns", action, mutating, params, resource);
        const name = params.Name ?? "";
        if (!/^[A-Za-z0-9_-]{1,256}$/.test(name)) this.bad(`Invalid parameter: Topic Name ${JSON.stringify(name)}`, "InvalidParameter");
        const arn = this.topicArn(name);
        if (!this.topics.has(arn)) this.topics.set(arn, { arn, attributes: {} });
        return respond(`<CreateTopicResult><TopicArn>${arn}</TopicArn></CreateTopicResult>`);
      }
      case "GetTopicAttributes": {
        this.record("sns", action, mutating, params, resource);
        const t = topic();
        const subs = this.subscriptions.filter((s) => s.topicArn === t.arn);
        const attributes: Record<string, string> = {
          TopicArn: t.arn,
          Owner: ACCOUNT_ID,
          DisplayName: "",
          SubscriptionsConfirmed: String(subs.filter((s) => s.confirmed).length),
          SubscriptionsPending: String(subs.filter((s) => !s.confirmed).length),
          SubscriptionsDeleted: "0",
          EffectiveDeliveryPolicy: JSON.stringify({ http: { defaultHealthyRetryPolicy: { minDelayTarget: 20, maxDelayTarget: 20, numRetries: 3 } } }),
          ...t.attributes,
        };
        return respond(
          `<GetTopicAttributesResult><Attributes>${Object.entries(attributes)
            .map(([k, v]) => `<entry><key>${k}</key><value>${xmlEscape(v)}</value></entry>`)
            .join("")}</Attributes></GetTopicAttributesResult>`,
        );
      }
      case "SetTopicAttributes": {
        this.record("sns", action, mutating, params, resource);
        const t = topic();
        const { AttributeName: name = "", AttributeValue: value = "" } = params;
        if (name === "SignatureVersion") {
          if (value !== "1" && value !== "2") this.bad(`Invalid parameter: SignatureVersion ${value}`, "InvalidParameter");
          t.attributes.SignatureVersion = value;
        } else if (name === "DeliveryPolicy") {
          t.attributes.DeliveryPolicy = this.deliveryPolicy(value);
        } else {
          this.bad(`Invalid parameter: AttributeName ${name}`, "InvalidParameter");
        }
        return respond("");
      }
      case "Subscribe": {
        this.record("sns", action, mutating, params, resource);
        const t = topic();
        const { Protocol: protocol = "", Endpoint: endpoint = "" } = params;
        if (protocol !== "https" && protocol !== "http") this.bad(`Invalid parameter: Protocol ${protocol}`, "InvalidParameter");
        if (!endpoint.startsWith(`${protocol}://`)) this.bad(`Invalid parameter: Endpoint ${endpoint} for protocol ${protocol}`, "InvalidParameter");
        if (params.ReturnSubscriptionArn !== "true")
          this.bad("ReturnSubscriptionArn=true is expected, so the ARN comes back while pending", "InvalidParameter");
        let sub = this.subscriptions.find((s) => s.topicArn === t.arn && s.protocol === protocol && s.endpoint === endpoint);
        if (!sub) {
          sub = { arn: `${t.arn}:${randomUUID()}`, topicArn: t.arn, protocol, endpoint, confirmed: false };
          this.subscriptions.push(sub);
        }
        // SNS posts a SubscriptionConfirmation to the endpoint (again, for a pending one); the fake worker's answer:
        const workerConfirms = this.worker.up && this.worker.confirms && this.topicAllowed(t.arn) && endpoint === `${this.workerUrl}/sns`;
        if (!sub.confirmed) sub.pollsLeft = workerConfirms ? this.worker.confirmAfterPolls : undefined;
        return respond(`<SubscribeResult><SubscriptionArn>${sub.arn}</SubscriptionArn></SubscribeResult>`);
      }
      case "ListSubscriptionsByTopic": {
        this.record("sns", action, mutating, params, resource);
        const t = topic();
        const subs = this.subscriptions.filter((s) => s.topicArn === t.arn);
        // One look (the first page) is one step closer to the worker's confirmation landing.
        for (const s of params.NextToken ? [] : subs) {
          if (s.confirmed || s.pollsLeft === undefined) continue;
          if (s.pollsLeft-- <= 0) s.confirmed = true;
        }
        return page(
          subs,
          (s) =>
            `<member><TopicArn>${s.topicArn}</TopicArn><Protocol>${s.protocol}</Protocol>` +
            `<SubscriptionArn>${s.confirmed ? s.arn : "PendingConfirmation"}</SubscriptionArn>` +
            `<Owner>${ACCOUNT_ID}</Owner><Endpoint>${xmlEscape(s.endpoint)}</Endpoint></member>`,
          "Subscriptions",
        );
      }
      default:
        return this.bad(`the fake does not know SNS action ${action}`, "InvalidAction");
    }
  }

  /** SNS's limits on an HTTP/S delivery policy; the stored form is re-serialised, as SNS hands it back. */
  private deliveryPolicy(value: string): string {
    let policy: { http?: { defaultHealthyRetryPolicy?: Record<string, unknown> } };
    try {
      policy = JSON.parse(value);
    } catch {
      return this.bad("Invalid parameter: DeliveryPolicy: not JSON", "InvalidParameter");
    }
    const retry = policy.http?.defaultHealthyRetryPolicy;
    if (!retry) return this.bad("Invalid parameter: DeliveryPolicy: http.defaultHealthyRetryPolicy is required", "InvalidParameter");
    const n = (key: string, fallback: number) => (retry[key] === undefined ? fallback : Number(retry[key]));
    const numRetries = n("numRetries", 3);
    const minDelay = n("minDelayTarget", 20);
    const maxDelay = n("maxDelayTarget", 20);
    const noDelay = n("numNoDelayRetries", 0);
    const minRetries = n("numMinDelayRetries", 0);
    const maxRetries = n("numMaxDelayRetries", 0);
    const problems: string[] = [];
    if (!Number.isInteger(numRetries) || numRetries < 0 || numRetries > 100) problems.push("numRetries must be 0 to 100");
    if (minDelay < 1 || minDelay > maxDelay) problems.push("minDelayTarget must be at least 1 and at most maxDelayTarget");
    if (maxDelay > 3600) problems.push("maxDelayTarget must be at most 3600");
    if (noDelay + minRetries + maxRetries > numRetries) problems.push("the phases' retries exceed numRetries");
    const backoffRetries = numRetries - noDelay - minRetries - maxRetries;
    const longest = minRetries * minDelay + (backoffRetries + maxRetries) * maxDelay;
    if (longest > 3600) problems.push(`total retry time may reach ${longest} s, over the 3600 s limit`);
    if (!["linear", "arithmetic", "geometric", "exponential", undefined].includes(retry.backoffFunction as string))
      problems.push("unknown backoffFunction");
    if (problems.length > 0) this.bad(`Invalid parameter: DeliveryPolicy: ${problems.join("; ")}`, "InvalidParameter");
    return JSON.stringify(sortKeys(policy));
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
  );
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}
