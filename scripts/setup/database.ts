// Step 2: each D1 database wrangler.toml names exists on the account, and its database_id is in wrangler.toml.

import { readFileSync } from "node:fs";
import { PLACEHOLDER_DATABASE_ID } from "../preflight/checks";
import { change, jsonIn, read, SetupError, type SetupContext } from "./context";
import { setDatabaseIds, writeDatabaseIds } from "./toml-d1";

interface Database {
  name: string;
  uuid: string;
}

async function listDatabases(ctx: SetupContext): Promise<Database[]> {
  const output = await read(ctx, ["d1", "list", "--json"]);
  const list = jsonIn(output.stdout, "[");
  if (!Array.isArray(list)) throw new SetupError(`unexpected output from wrangler d1 list --json: ${output.stdout.slice(0, 200)}`);
  return list.flatMap((d: { name?: unknown; uuid?: unknown }) =>
    typeof d.name === "string" && typeof d.uuid === "string" ? [{ name: d.name, uuid: d.uuid }] : [],
  );
}

/** The id wrangler.toml gives a database, unless it is the shipped placeholder (or absent). */
const configuredId = (id: string | undefined) => (id && id !== PLACEHOLDER_DATABASE_ID ? id : undefined);

/** The database `name` on the account, created when missing; undefined in a dry run that would create it. */
async function ensureDatabase(ctx: SetupContext, existing: Database[], name: string, configured: string | undefined): Promise<string | undefined> {
  const found = existing.find((d) => d.name === name);
  if (found) {
    if (configured && configured !== found.uuid) {
      throw new SetupError(
        `wrangler.toml gives the D1 database ${name} the id ${configured}, but ${name} on this account is ${found.uuid}`,
        "logged in to another account? (npx wrangler whoami); if this is the right one, put its id in wrangler.toml:",
        `database_id = "${found.uuid}"`,
      );
    }
    ctx.report.outcome("already as wanted", `D1 database ${name} (${found.uuid})`);
    return found.uuid;
  }
  if (configured) {
    throw new SetupError(
      `wrangler.toml gives the D1 database ${name} the id ${configured}, and this account has no database named ${name}`,
      "logged in to another account? (npx wrangler whoami); to create a new, empty one here instead, put the placeholder back:",
      `database_id = "${PLACEHOLDER_DATABASE_ID}"`,
    );
  }
  if (!(await change(ctx, ["d1", "create", name]))) {
    ctx.report.outcome("would create", `D1 database ${name}, and write its id into ${ctx.configPath}`);
    return undefined;
  }
  const created = (await listDatabases(ctx)).find((d) => d.name === name);
  if (!created) throw new SetupError(`wrangler d1 create ${name} succeeded, but wrangler d1 list does not show it`, "run npm run setup again");
  ctx.report.outcome("created", `D1 database ${name} (${created.uuid})`);
  return created.uuid;
}

export async function ensureDatabases(ctx: SetupContext): Promise<void> {
  const wanted = ctx.config.d1_databases;
  if (wanted.length === 0) {
    ctx.report.info("wrangler.toml names no D1 database");
    return;
  }
  const existing = await listDatabases(ctx);
  const toWrite: Record<string, string> = {};
  for (const db of wanted) {
    if (!db.database_name) throw new SetupError(`the D1 binding ${db.binding} has no database_name in wrangler.toml`);
    const configured = configuredId(db.database_id);
    const id = await ensureDatabase(ctx, existing, db.database_name, configured);
    if (id && id !== configured) toWrite[db.database_name] = id;
  }
  if (Object.keys(toWrite).length === 0) return;

  const where = `${ctx.configPath}: database_id of ${Object.entries(toWrite)
    .map(([name, id]) => `${name} = ${id}`)
    .join(", ")}`;
  const updated = setDatabaseIds(readFileSync(ctx.configPath, "utf8"), toWrite);
  if (ctx.dryRun) {
    ctx.report.outcome("would update", where);
    return;
  }
  writeDatabaseIds(ctx.configPath, updated, toWrite);
  ctx.report.outcome("updated", where);
}
