// The API's contract: /openapi.json is OpenAPI 3.1, names every /api route the app really has (read from the app's
// own route table, not a list kept here), and gives every answer a schema; /docs renders it with this origin's script.
import * as v from "valibot";
import { beforeAll, describe, expect, it } from "vitest";
import * as contract from "../../src/domain/api-contract";
import { app } from "../../src/routes/app";
import { api, get, uniqueId } from "../support/helpers";

interface Schema {
  [key: string]: unknown;
}
interface Response_ {
  description?: string;
  content?: Record<string, { schema?: Schema }>;
}
interface Operation {
  summary?: string;
  parameters?: Array<{ in: string; name: string; required?: boolean; schema?: Schema }>;
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, Response_>;
}
interface Document {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

const METHODS = ["get", "put", "post", "delete", "patch"];

/** Hono's `/:name{regex}` and `/:name` as OpenAPI's `/{name}`. */
const openApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)(\{[^/]*\})?/g, "{$1}");

/** The app's own /api routes: every handler registered for a method (middleware is registered for ALL). */
function appRoutes(): Array<{ method: string; path: string }> {
  const seen = new Map<string, { method: string; path: string }>();
  for (const r of app.routes) {
    if (!r.path.startsWith("/api/") || r.method === "ALL") continue;
    const route = { method: r.method.toLowerCase(), path: openApiPath(r.path) };
    seen.set(`${route.method} ${route.path}`, route);
  }
  return [...seen.values()];
}

/** A schema says something: a type, a reference, or a combination; `{}` accepts anything and documents nothing. */
function nonEmpty(schema: Schema | undefined): boolean {
  return (
    schema !== undefined && Object.keys(schema).some((k) => ["type", "$ref", "anyOf", "oneOf", "allOf", "properties", "enum", "const"].includes(k))
  );
}

let doc: Document;
let operations: Array<{ method: string; path: string; op: Operation }>;

beforeAll(async () => {
  // Public: no bearer token.
  const res = await get("/openapi.json");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("application/json");
  doc = await res.json();
  operations = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ method, path, op })),
  );
});

describe("GET /openapi.json", () => {
  it("is an OpenAPI 3.1 document with paths", () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(Object.keys(doc.paths).length).toBeGreaterThan(0);
    for (const path of Object.keys(doc.paths)) expect(path).toMatch(/^\/api\//);
  });

  it("has every /api route of the app, and nothing the app does not route", () => {
    const routes = appRoutes();
    expect(routes.length).toBeGreaterThan(30);
    const documented = new Set(operations.map((o) => `${o.method} ${o.path}`));
    const missing = routes.map((r) => `${r.method} ${r.path}`).filter((r) => !documented.has(r));
    expect(missing).toEqual([]);
    const routed = new Set(routes.map((r) => `${r.method} ${r.path}`));
    expect([...documented].filter((o) => !routed.has(o))).toEqual([]);
  });

  it("gives every answer of every operation a non-empty schema (a 204 has no body)", () => {
    for (const { method, path, op } of operations) {
      const where = `${method} ${path}`;
      expect(op.summary, where).toEqual(expect.any(String));
      const responses = Object.entries(op.responses ?? {});
      expect(responses.length, where).toBeGreaterThan(0);
      expect(
        responses.some(([status]) => status.startsWith("2")),
        where,
      ).toBe(true);
      for (const [status, response] of responses) {
        expect(response.description, `${where} ${status}`).toEqual(expect.any(String));
        if (status === "204") {
          expect(response.content, `${where} ${status}`).toBeUndefined();
          continue;
        }
        const media = Object.values(response.content ?? {});
        expect(media.length, `${where} ${status}`).toBeGreaterThan(0);
        for (const m of media) expect(nonEmpty(m.schema), `${where} ${status}`).toBe(true);
      }
    }
  });

  it("lists each operation's errors with the error body: a reason code among those of its status, and a message", () => {
    for (const { method, path, op } of operations) {
      const where = `${method} ${path}`;
      const statuses = Object.keys(op.responses ?? {});
      // Every /api route can answer a missing token, a broken configuration and a fault.
      expect(statuses, where).toEqual(expect.arrayContaining(["401", "500", "503"]));
      for (const status of statuses.filter((s) => Number(s) >= 400)) {
        const schema = op.responses![status]!.content!["application/json"]!.schema!;
        expect(schema, `${where} ${status}`).toMatchObject({
          type: "object",
          properties: { error: { enum: expect.any(Array) }, message: { type: "string" } },
          required: expect.arrayContaining(["error", "message"]),
        });
      }
    }
  });

  it("describes each request's path parameters, query and body", () => {
    for (const { method, path, op } of operations) {
      const where = `${method} ${path}`;
      for (const name of [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1])) {
        const param = op.parameters?.find((p) => p.in === "path" && p.name === name);
        expect(param, `${where} {${name}}`).toMatchObject({ required: true });
        expect(nonEmpty(param!.schema), `${where} {${name}}`).toBe(true);
      }
      for (const p of op.parameters ?? []) expect(nonEmpty(p.schema), `${where} ${p.in} ${p.name}`).toBe(true);
    }
    const op = (method: string, path: string) => doc.paths[path]![method]!;
    // A list's paging, and a body's fields, come from the schemas the routes validate with.
    expect(op("get", "/api/suppressions").parameters?.map((p) => p.name)).toEqual(expect.arrayContaining(["cursor", "limit", "email", "q"]));
    expect(op("post", "/api/links").requestBody?.content?.["application/json"]?.schema).toMatchObject({
      properties: { campaignId: expect.any(Object), contact: expect.any(Object), url: expect.any(Object) },
      required: expect.arrayContaining(["campaignId", "contact"]),
    });
  });
});

describe("GET /docs", () => {
  it("renders the reference with this worker's copy of Scalar's script, under a policy that allows only it", async () => {
    const res = await get("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toContain('<script src="/docs/static/scalar.js">');
    expect(html).toContain('"url": "/openapi.json"');
    // Nothing from another origin: no CDN, no web fonts.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/(^|; )default-src 'none'(;|$)/);
    expect(csp).toMatch(/(^|; )script-src 'self' 'sha256-[A-Za-z0-9+/=]+'(;|$)/);
    expect(csp).toMatch(/(^|; )connect-src 'self'(;|$)/);
    expect(csp).toMatch(/(^|; )frame-ancestors 'none'(;|$)/);
    expect(csp).not.toContain("unsafe-eval");
  });
});

describe("the answers", () => {
  /** The answer, checked against the contract's schema for it: the dashboard's types are only as true as this. */
  async function answers(path: string, schema: v.GenericSchema, init: RequestInit & { json?: unknown } = {}, status = 200) {
    const res = await api(path, init);
    expect(res.status, path).toBe(status);
    const result = v.safeParse(schema, await res.json());
    expect(result.success ? [] : result.issues.map((i) => `${i.path?.map((p) => String(p.key)).join(".")}: ${i.message}`), path).toEqual([]);
  }

  it("are what the document says of them", async () => {
    const campaignId = uniqueId("contract");
    const email = `${campaignId}@example.com`;
    await answers(`/campaigns/${campaignId}/stats`, contract.CampaignStats);
    await answers(`/campaigns/${campaignId}/timeline?from=2026-01-01&to=2026-01-02`, contract.Timeline);
    await answers(`/campaigns/${campaignId}/links`, contract.Links);
    await answers(`/campaigns/${campaignId}/events`, contract.page(contract.ContactEvent));
    await answers(`/campaigns/${campaignId}/settings`, contract.CampaignSettings);
    await answers("/campaigns", contract.CampaignList);
    await answers("/account/guard", contract.AccountGuard);
    await answers("/suppressions", contract.Suppression, { method: "POST", json: { email } }, 201);
    await answers(`/suppressions?email=${encodeURIComponent(email)}`, contract.Suppression);
    await answers("/suppressions", contract.page(contract.Suppression));
    await answers(`/contacts/${encodeURIComponent(email)}/events`, contract.page(contract.ContactEvent));
    await answers("/segments?did=open&within=30d", contract.Segment);
    await answers("/links", contract.MintedLinks, { method: "POST", json: { campaignId, contact: email, url: "https://example.com/" } });
    await answers("/dead-letters", contract.page(contract.DeadLetter));
    await answers("/webhooks", contract.page(contract.WebhookEndpoint));
    await answers("/archive", contract.page(contract.ArchiveObject));
  });
});
