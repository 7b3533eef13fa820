// The database_id edit of wrangler.toml: only that value changes, as wrangler reads the file, or nothing is written.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { experimental_readRawConfig } from "wrangler";
import { TomlEditError } from "../../scripts/connect-ses/toml-vars";
import { setDatabaseIds, writeDatabaseIds } from "../../scripts/setup/toml-d1";
import { tempWranglerToml } from "./support/connect";

const ID = "5d2f8c1e-7b3a-4c9d-8e1f-2a3b4c5d6e7f";
const OTHER = "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d";
const TWO = `name = "w"
[vars]
database_id = "not this one"

[[d1_databases]]
binding = "DB"
database_name = "main"   # the events
database_id = '00000000-0000-4000-8000-000000000000'   # replace me

[[d1_databases]]
  binding = "ARCHIVE"
  database_name = "archive"
  migrations_dir = "archive-migrations"
`;

function file(text: string): string {
  const at = path.join(mkdtempSync(path.join(tmpdir(), "setup-toml-")), "wrangler.toml");
  writeFileSync(at, text);
  return at;
}

describe("setDatabaseIds", () => {
  it("sets the value of each named table's database_id, keeping quotes and comments, and adds the line where it is missing", () => {
    const out = setDatabaseIds(TWO, { main: ID, archive: OTHER });
    expect(out).toContain(`database_id = '${ID}'   # replace me`);
    expect(out).toContain(`  database_name = "archive"\n  database_id = "${OTHER}"\n  migrations_dir`);
    expect(out).toContain('[vars]\ndatabase_id = "not this one"');
    expect(out.split("\n").length).toBe(TWO.split("\n").length + 1);
    const raw = experimental_readRawConfig({ config: file(out) }).rawConfig;
    expect((raw.d1_databases as Array<{ database_id?: string }> | undefined)?.map((d) => d.database_id)).toEqual([ID, OTHER]);
  });

  it("keeps Windows line ends, and refuses a database wrangler.toml does not name one key a line", () => {
    expect(setDatabaseIds(TWO.replace(/\n/g, "\r\n"), { main: ID }).replace(/\r\n/g, "")).not.toContain("\n");
    expect(() => setDatabaseIds(TWO, { elsewhere: ID })).toThrow(TomlEditError);
    expect(() => setDatabaseIds('d1_databases = [{ binding = "DB", database_name = "main" }]\n', { main: ID })).toThrow(TomlEditError);
    expect(() => setDatabaseIds(TWO, { main: "not-an-id" })).toThrow(TomlEditError);
  });

  it("edits the repository's wrangler.toml on its database_id line only", () => {
    const repo = readFileSync(tempWranglerToml(), "utf8");
    const out = setDatabaseIds(repo, { "mail-tracker": ID });
    const changed = repo.split("\n").filter((line, i) => out.split("\n")[i] !== line);
    expect(changed).toEqual(['database_id = "00000000-0000-4000-8000-000000000000"']);
  });
});

describe("writeDatabaseIds", () => {
  it("writes a text wrangler reads as the old file with the new ids, leaving no temporary file", () => {
    const at = file(TWO);
    writeDatabaseIds(at, setDatabaseIds(TWO, { main: ID }), { main: ID });
    expect(experimental_readRawConfig({ config: at }).rawConfig.d1_databases?.[0]?.database_id).toBe(ID);
    expect(readdirSync(path.dirname(at))).toEqual(["wrangler.toml"]);
  });

  it("leaves the file as it was when the new text changes anything else, or does not parse", () => {
    const at = file(TWO);
    const sneaky = setDatabaseIds(TWO, { main: ID }).replace('binding = "ARCHIVE"', 'binding = "OTHER"');
    expect(() => writeDatabaseIds(at, sneaky, { main: ID })).toThrow(TomlEditError);
    expect(() => writeDatabaseIds(at, `${setDatabaseIds(TWO, { main: ID })}\n[[d1_databases`, { main: ID })).toThrow();
    expect(readFileSync(at, "utf8")).toBe(TWO);
    expect(readdirSync(path.dirname(at))).toEqual(["wrangler.toml"]);
  });
});
