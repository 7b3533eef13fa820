// Signed calls to SES v2 (REST JSON) and SNS (Query API, XML answers) from Node scripts, over aws4fetch.

import { AwsClient } from "aws4fetch";
import { OPERATIONS, type AwsService, type OperationName } from "./operations";
import { xmlText } from "./xml";

export interface AwsSettings {
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** scheme://host[:port] per service: AWS's regional endpoints unless overridden (tests, moto). */
  endpoints: Record<AwsService, string>;
}

/** The environment does not hold what is needed to call AWS: a usage problem, not an AWS answer. */
export class AwsSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AwsSettingsError";
  }
}

/** An AWS answer that is not a success (status 0: AWS was not reached at all). */
export class AwsError extends Error {
  constructor(
    readonly operation: OperationName,
    readonly status: number,
    readonly code: string,
    message: string,
    readonly endpoint: string,
  ) {
    super(message);
    this.name = "AwsError";
  }
}

const SNS_API_VERSION = "2010-03-31";
const REQUEST_TIMEOUT_MS = 30_000;

function endpointOverride(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed.replace(/\/+$/, "") : undefined;
}

/**
 * The standard AWS variables: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION (or
 * AWS_DEFAULT_REGION; `region` overrides both), and the SDKs' endpoint overrides AWS_ENDPOINT_URL_SESV2,
 * AWS_ENDPOINT_URL_SNS and AWS_ENDPOINT_URL (every service).
 */
export function awsSettingsFromEnv(env: Record<string, string | undefined>, region?: string): AwsSettings {
  const chosenRegion = region || env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!chosenRegion) throw new AwsSettingsError("no AWS region: pass --region (e.g. --region us-east-1) or set AWS_REGION");
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(chosenRegion)) throw new AwsSettingsError(`"${chosenRegion}" is not an AWS region name (e.g. us-east-1)`);
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new AwsSettingsError(
      "AWS credentials are missing: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials), " +
        'e.g. `eval "$(aws configure export-credentials --format env)"`',
    );
  }
  const global = endpointOverride(env.AWS_ENDPOINT_URL);
  return {
    region: chosenRegion,
    accessKeyId,
    secretAccessKey,
    sessionToken: env.AWS_SESSION_TOKEN || undefined,
    endpoints: {
      ses: endpointOverride(env.AWS_ENDPOINT_URL_SESV2) ?? global ?? `https://email.${chosenRegion}.amazonaws.com`,
      sns: endpointOverride(env.AWS_ENDPOINT_URL_SNS) ?? global ?? `https://sns.${chosenRegion}.amazonaws.com`,
    },
  };
}

/** What the caller reports for each call: made (`read` / `call`), or left out by a dry run (`skipped`). */
export interface CallEvent {
  operation: OperationName;
  mode: "read" | "call" | "skipped";
  /** Action and parameters, as a person would read them. */
  description: string;
}

export interface AwsCallerOptions {
  dryRun: boolean;
  fetch?: typeof fetch;
  onCall?: (event: CallEvent) => void;
}

interface RawRequest {
  method: "GET" | "POST" | "PUT";
  path: string;
  contentType?: string;
  body?: string;
}

/** Every AWS call of the setup scripts goes through here, so a dry run cannot make a mutating one. */
export class AwsCaller {
  private readonly signer: AwsClient;
  private readonly fetcher: typeof fetch;

  constructor(
    readonly settings: AwsSettings,
    private readonly options: AwsCallerOptions,
  ) {
    this.signer = new AwsClient({
      accessKeyId: settings.accessKeyId,
      secretAccessKey: settings.secretAccessKey,
      sessionToken: settings.sessionToken,
      region: settings.region,
      retries: 0,
    });
    this.fetcher = options.fetch ?? fetch;
  }

  get dryRun(): boolean {
    return this.options.dryRun;
  }

  /** An SES v2 operation; `undefined` when a dry run left it out. */
  async ses<T>(operation: OperationName, method: RawRequest["method"], path: string, body?: unknown): Promise<T | undefined> {
    const json = body === undefined ? undefined : JSON.stringify(body);
    const description = `SES ${operation} ${method} ${path}${json ? ` ${json}` : ""}`;
    if (!this.allowed(operation, description)) return undefined;
    const text = await this.send(operation, { method, path, contentType: json ? "application/json" : undefined, body: json });
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** An SNS Query API action; the XML answer, or `undefined` when a dry run left it out. */
  async sns(operation: OperationName, params: Record<string, string>): Promise<string | undefined> {
    const description = `SNS ${operation} ${JSON.stringify(params)}`;
    if (!this.allowed(operation, description)) return undefined;
    const form = new URLSearchParams({ Action: operation, Version: SNS_API_VERSION, ...params });
    return this.send(operation, {
      method: "POST",
      path: "/",
      contentType: "application/x-www-form-urlencoded; charset=utf-8",
      body: form.toString(),
    });
  }

  private allowed(operation: OperationName, description: string): boolean {
    const skip = this.options.dryRun && OPERATIONS[operation].mutating;
    this.options.onCall?.({ operation, description, mode: skip ? "skipped" : OPERATIONS[operation].mutating ? "call" : "read" });
    return !skip;
  }

  private async send(operation: OperationName, req: RawRequest): Promise<string> {
    const service = OPERATIONS[operation].service;
    const endpoint = this.settings.endpoints[service];
    const signed = await this.signer.sign(endpoint + req.path, {
      method: req.method,
      headers: req.contentType ? { "content-type": req.contentType } : undefined,
      body: req.body,
      // Given explicitly: aws4fetch guesses both from the host name, which an endpoint override does not carry.
      aws: { service, region: this.settings.region },
    });
    let res: Response;
    try {
      res = await this.fetcher(signed, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new AwsError(operation, 0, "NetworkError", `${endpoint} could not be reached (${cause ?? String(err)})`, endpoint);
    }
    const text = await res.text();
    if (res.ok) return text;
    const { code, message } = service === "sns" ? snsError(text) : sesError(res, text);
    throw new AwsError(operation, res.status, code || `HTTP${res.status}`, message || res.statusText || `HTTP ${res.status}`, endpoint);
  }
}

/** SES v2 errors: the type in x-amzn-ErrorType (or the body), the text in `message`. */
function sesError(res: Response, text: string): { code: string; message: string } {
  let code = res.headers.get("x-amzn-errortype")?.split(":")[0] ?? "";
  let message = text.slice(0, 500);
  try {
    const body = JSON.parse(text) as { message?: string; Message?: string; __type?: string; code?: string };
    message = body.message ?? body.Message ?? message;
    code ||= (body.__type ?? body.code ?? "").split("#").pop() ?? "";
  } catch {
    // not JSON: the text as it came
  }
  return { code, message };
}

/** SNS errors: <ErrorResponse><Error><Code/><Message/></Error></ErrorResponse>. */
function snsError(text: string): { code: string; message: string } {
  return { code: xmlText(text, "Code") ?? "", message: xmlText(text, "Message") ?? text.slice(0, 500) };
}
