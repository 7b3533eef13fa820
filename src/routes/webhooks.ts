// /api/webhooks: endpoints (create, read, change, delete, rotate the secret), their deliveries, and a retry by hand.

import { Hono } from "hono";
import * as v from "valibot";
import { config } from "../config/config";
import { database } from "../db/client";
import { WEBHOOK_DELIVERY_STATES } from "../db/schema";
import { attemptsOf, dueNowByHand, findDelivery, listDeliveries, undoByHand, type AttemptRow, type DeliveryRow } from "../db/webhook-deliveries";
import {
  countEndpoints,
  deleteEndpoint,
  findEndpoint,
  insertEndpointWithin,
  listEndpoints,
  rotateSecret,
  updateEndpoint,
  type EndpointRow,
} from "../db/webhook-endpoints";
import { CampaignId, jsonObject } from "../domain/schemas";
import { AppError } from "../lib/errors";
import { resolvePublic } from "../webhooks/dns";
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from "../domain/webhook-event-types";
import { forgetEndpoints } from "../webhooks/fanout";
import { newSecret } from "../webhooks/signing";
import { newEndpointId, type WebhookTask } from "../webhooks/tasks";
import { checkWebhookUrl, MAX_WEBHOOK_URL_LENGTH } from "../webhooks/url-policy";
import { JSON_LIMIT, limitBody } from "./body";
import { page, WebhookDelivery, WebhookEndpoint, WebhookEndpointWithSecret } from "../domain/api-contract";
import { BODY, doc, INPUT } from "./describe";
import { json, params, query } from "./validate";
import { decodeCursor, PageQuery, readPage } from "./pagination";
import type { AppEnv } from "./app-env";

/** Each endpoint costs a queue message per matching event: a bound keeps one batch's fan-out small. */
export const MAX_ENDPOINTS = 20;
const DAY_S = 86_400;
const DEFAULT_OVERLAP_S = DAY_S;
const MAX_OVERLAP_S = 7 * DAY_S;

const Url = v.pipe(v.string(), v.trim(), v.minLength(1, "must not be empty"), v.maxLength(MAX_WEBHOOK_URL_LENGTH));
const EventTypes = v.pipe(
  v.array(v.picklist(WEBHOOK_EVENT_TYPES, `must be among ${WEBHOOK_EVENT_TYPES.join(", ")}`)),
  v.minLength(1, "must list at least one type (leave it out to receive every type)"),
  v.maxLength(WEBHOOK_EVENT_TYPES.length),
);
const Description = v.pipe(v.string(), v.maxLength(500));

const CreateRequest = jsonObject({
  url: Url,
  eventTypes: v.optional(EventTypes),
  campaignId: v.optional(CampaignId),
  description: v.optional(Description),
});
const ChangeRequest = v.pipe(
  jsonObject({
    url: v.optional(Url),
    eventTypes: v.optional(v.nullable(EventTypes)),
    campaignId: v.optional(v.nullable(CampaignId)),
    description: v.optional(v.nullable(Description)),
    enabled: v.optional(v.boolean()),
  }),
  v.check((b) => Object.values(b).some((x) => x !== undefined), "name at least one of url, eventTypes, campaignId, description, enabled"),
);
const RotateRequest = jsonObject({
  overlapSeconds: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_OVERLAP_S, `must be at most ${MAX_OVERLAP_S} (7 days)`)),
    DEFAULT_OVERLAP_S,
  ),
});
const DeliveriesQuery = v.object({
  ...PageQuery.entries,
  state: v.optional(v.picklist(WEBHOOK_DELIVERY_STATES, `must be one of ${WEBHOOK_DELIVERY_STATES.join(", ")}`)),
});
const CreatedCursor = v.object({ at: v.number(), id: v.string() });
const Id = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, "is not an id this API hands out"));
/** `<id>`; a refusal names no parameter ("is not an id this API hands out"), as it always has. */
const EndpointParams = params(v.object({ id: Id }), { bare: true });
const DeliveryParams = params(v.object({ id: Id, deliveryId: Id }), { bare: true });
const TAG = "Webhooks";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** An endpoint as the API shows it: never its secrets. */
function endpointJson(e: EndpointRow, now = Date.now()) {
  return {
    id: e.id,
    url: e.url,
    description: e.description,
    eventTypes: e.eventTypes,
    campaignId: e.campaignId,
    enabled: e.enabled,
    disabledReason: e.enabled ? null : e.disabledReason,
    disabledAt: e.enabled ? null : iso(e.disabledAt),
    failingSince: iso(e.failingSince),
    lastSuccessAt: iso(e.lastSuccessAt),
    lastFailureAt: iso(e.lastFailureAt),
    previousSecretExpiresAt: e.previousSecretExpiresAt !== null && e.previousSecretExpiresAt > now ? iso(e.previousSecretExpiresAt) : null,
    createdAt: iso(e.createdAt),
    updatedAt: iso(e.updatedAt),
  };
}

function attemptJson(a: AttemptRow) {
  return { n: a.n, at: iso(a.at), outcome: a.outcome, status: a.status, latencyMs: a.latencyMs, error: a.error };
}

function deliveryJson(d: DeliveryRow, attempts: readonly AttemptRow[]) {
  return {
    id: d.id,
    eventId: d.eventId,
    type: d.eventType,
    campaignId: d.campaignId,
    state: d.state,
    nextAttemptAt: d.state === "pending" ? iso(d.nextAttemptAt) : null,
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    createdAt: iso(d.createdAt),
    deliveredAt: iso(d.deliveredAt),
    attempts: attempts.map(attemptJson),
  };
}

/** The URL as stored, once it passed every check; a refusal is the caller's to fix (400), a DNS outage is not (503). */
async function acceptedUrl(env: Env, raw: string): Promise<string> {
  const verdict = checkWebhookUrl(raw, config(env).webhooks);
  if (!verdict.ok) throw new AppError("validation_failed", `url: ${verdict.reason}`);
  if (verdict.resolve) {
    const resolved = await resolvePublic(verdict.resolve);
    if (!resolved.ok) {
      if ("unavailable" in resolved) throw new AppError("unavailable", `url: ${resolved.reason}; try again`);
      throw new AppError("validation_failed", `url: ${resolved.reason}`);
    }
  }
  return verdict.url;
}

const tooManyEndpoints = () => new AppError("conflict", `at most ${MAX_ENDPOINTS} webhook endpoints; delete one first`);

async function endpointOr404(env: Env, id: string): Promise<EndpointRow> {
  const found = await findEndpoint(database(env.DB), id);
  if (!found) throw new AppError("not_found", `no webhook endpoint ${id}`);
  return found;
}

export const webhooksApi = new Hono<AppEnv>();

/** The secret is in this answer only: store it now (rotate-secret makes a new one if it is lost). */
webhooksApi.post(
  "/",
  doc({
    tag: TAG,
    summary: "Create an endpoint; its signing secret is in this answer only",
    ok: { status: 201, schema: WebhookEndpointWithSecret },
    errors: [...BODY, "conflict", "unavailable"],
  }),
  limitBody(JSON_LIMIT),
  json(CreateRequest),
  async (c) => {
    const body = c.req.valid("json");
    const db = database(c.env.DB);
    // Counted first only to spare the DNS check; the insert itself holds the limit.
    if ((await countEndpoints(db)) >= MAX_ENDPOINTS) throw tooManyEndpoints();
    const url = await acceptedUrl(c.env, body.url);
    const secret = newSecret();
    const row = await insertEndpointWithin(
      db,
      {
        id: newEndpointId(),
        url,
        description: body.description ?? null,
        eventTypes: body.eventTypes ?? null,
        campaignId: body.campaignId ?? null,
        secret,
      },
      MAX_ENDPOINTS,
      Date.now(),
    );
    if (!row) throw tooManyEndpoints();
    forgetEndpoints();
    return c.json({ ...endpointJson(row), secret }, 201);
  },
);

webhooksApi.get(
  "/",
  doc({ tag: TAG, summary: "The endpoints, oldest first", ok: { schema: page(WebhookEndpoint) }, errors: INPUT }),
  query(PageQuery),
  async (c) => {
    const query = c.req.valid("query");
    const after = decodeCursor(query.cursor, CreatedCursor);
    const result = await readPage(
      query.limit,
      (rows) => listEndpoints(database(c.env.DB), after, rows),
      (last) => ({ at: last.createdAt, id: last.id }),
    );
    return c.json({ items: result.items.map((e) => endpointJson(e)), cursor: result.cursor });
  },
);

webhooksApi.get(
  "/:id",
  doc({ tag: TAG, summary: "One endpoint (never its secrets)", ok: { schema: WebhookEndpoint }, errors: [...INPUT, "not_found"] }),
  EndpointParams,
  async (c) => c.json(endpointJson(await endpointOr404(c.env, c.req.valid("param").id))),
);

webhooksApi.patch(
  "/:id",
  doc({
    tag: TAG,
    summary: "Change an endpoint (enabled: true turns a disabled one back on)",
    ok: { schema: WebhookEndpoint },
    errors: [...BODY, "not_found", "unavailable"],
  }),
  limitBody(JSON_LIMIT),
  EndpointParams,
  json(ChangeRequest),
  async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    await endpointOr404(c.env, id);
    const url = body.url === undefined ? undefined : await acceptedUrl(c.env, body.url);
    const row = await updateEndpoint(database(c.env.DB), id, { ...body, url }, Date.now());
    if (!row) throw new AppError("not_found", `no webhook endpoint ${id}`);
    forgetEndpoints();
    return c.json(endpointJson(row));
  },
);

/** Its deliveries and their attempts go with it; tasks still on the queue find no endpoint and are dropped. */
webhooksApi.delete(
  "/:id",
  doc({ tag: TAG, summary: "Delete an endpoint with its deliveries", ok: { status: 204, description: "deleted" }, errors: [...INPUT, "not_found"] }),
  EndpointParams,
  async (c) => {
    const { id } = c.req.valid("param");
    if (!(await deleteEndpoint(database(c.env.DB), id))) throw new AppError("not_found", `no webhook endpoint ${id}`);
    forgetEndpoints();
    return c.body(null, 204);
  },
);

/** A new secret (shown once); the old one keeps signing beside it for `overlapSeconds` (default a day). */
webhooksApi.post(
  "/:id/rotate-secret",
  doc({
    tag: TAG,
    summary: "A new signing secret (shown once); the old one keeps signing beside it for overlapSeconds",
    ok: { schema: WebhookEndpointWithSecret },
    errors: [...BODY, "not_found"],
  }),
  limitBody(JSON_LIMIT),
  EndpointParams,
  json(RotateRequest, { optional: true }),
  async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const now = Date.now();
    const secret = newSecret();
    const row = await rotateSecret(database(c.env.DB), id, secret, now + body.overlapSeconds * 1000, now);
    if (!row) throw new AppError("not_found", `no webhook endpoint ${id}`);
    return c.json({ ...endpointJson(row, now), secret });
  },
);

webhooksApi.get(
  "/:id/deliveries",
  doc({
    tag: TAG,
    summary: "An endpoint's deliveries, newest first, with their attempts",
    ok: { schema: page(WebhookDelivery) },
    errors: [...INPUT, "not_found"],
  }),
  EndpointParams,
  query(DeliveriesQuery),
  async (c) => {
    const endpoint = await endpointOr404(c.env, c.req.valid("param").id);
    const query = c.req.valid("query");
    const db = database(c.env.DB);
    const before = decodeCursor(query.cursor, CreatedCursor);
    const result = await readPage(
      query.limit,
      (rows) => listDeliveries(db, endpoint.id, query.state, before, rows),
      (last) => ({ at: last.createdAt, id: last.id }),
    );
    const attempts = await attemptsOf(
      db,
      result.items.map((d) => d.id),
    );
    return c.json({ items: result.items.map((d) => deliveryJson(d, attempts.get(d.id) ?? [])), cursor: result.cursor });
  },
);

/** Send one delivery again now, with its webhook-id and body: a finished one gets one attempt, a pending one comes forward. */
webhooksApi.post(
  "/:id/deliveries/:deliveryId/retry",
  doc({
    tag: TAG,
    summary: "Send one delivery again now, with its webhook-id and body",
    ok: { status: 202, schema: WebhookDelivery },
    errors: [...INPUT, "not_found", "conflict", "unavailable"],
  }),
  DeliveryParams,
  async (c) => {
    const { id, deliveryId } = c.req.valid("param");
    const endpoint = await endpointOr404(c.env, id);
    if (!endpoint.enabled) throw new AppError("conflict", "the endpoint is disabled; enable it first (PATCH with enabled: true)");
    const db = database(c.env.DB);
    const before = await findDelivery(db, endpoint.id, deliveryId);
    if (!before) throw new AppError("not_found", `no delivery ${deliveryId} for webhook endpoint ${endpoint.id}`);
    const now = Date.now();
    const row = await dueNowByHand(db, endpoint.id, deliveryId, now);
    if (!row) throw new AppError("conflict", "an attempt of this delivery is in flight; try again when it has settled");
    const task: WebhookTask = {
      v: 1,
      endpointId: endpoint.id,
      event: { id: row.eventId, type: row.eventType as WebhookEventType, campaignId: row.campaignId, at: row.createdAt },
    };
    try {
      await c.env.WEBHOOK_QUEUE.send(task, { contentType: "json" });
    } catch (err) {
      await undoByHand(db, before);
      throw new AppError("unavailable", `the retry could not be queued (${String(err)}); nothing changed, try again`);
    }
    return c.json(deliveryJson(row, (await attemptsOf(db, [row.id])).get(row.id) ?? []), 202);
  },
);
