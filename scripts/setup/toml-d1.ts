// The database_id lines of wrangler.toml's [[d1_databases]] tables: set as text (every other line kept), written
// only after wrangler's own parser finds exactly that change, and by rename, so the file is never half-written.

import { chmodSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { experimental_readRawConfig } from "wrangler";
import { TomlEditError } from "../connect-ses/toml-vars";

const D1_HEADER = /^\s*\[\[\s*d1_databases\s*\]\]\s*(#.*)?$/;
const ANY_HEADER = /^\s*\[/;
const NAME_LINE = /^(\s*)database_name\s*=\s*(["'])([^"'\\]*)\2\s*(#.*)?$/;
const ID_LINE = /^(\s*database_id\s*=\s*)(["'])([^"'\\]*)\2(.*)$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Block {
  nameLine?: number;
  name?: string;
  indent: string;
  idLine?: number;
}

function d1Blocks(lines: string[]): Block[] {
  const blocks: Block[] = [];
  let current: Block | undefined;
  for (const [i, line] of lines.entries()) {
    if (D1_HEADER.test(line)) {
      current = { indent: "" };
      blocks.push(current);
      continue;
    }
    if (ANY_HEADER.test(line)) current = undefined;
    if (!current) continue;
    const name = NAME_LINE.exec(line);
    if (name) Object.assign(current, { nameLine: i, name: name[3], indent: name[1] });
    if (ID_LINE.test(line)) current.idLine = i;
  }
  return blocks;
}

/** `text` with `database_id` set to `ids[database_name]` in each [[d1_databases]] table named there. */
export function setDatabaseIds(text: string, ids: Record<string, string>): string {
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const lines = text.split(/\r?\n/);
  const blocks = d1Blocks(lines);
  // Bottom up, so that an inserted line does not move the ones still to edit.
  const edits: Array<{ at: number; replace: boolean; line: string }> = [];
  for (const [name, id] of Object.entries(ids)) {
    if (!UUID.test(id)) throw new TomlEditError(`${id} is not a D1 database id`);
    const block = blocks.find((b) => b.name === name);
    if (!block || block.nameLine === undefined) {
      throw new TomlEditError(`no [[d1_databases]] table with database_name = "${name}" written one key a line: set database_id = "${id}" by hand`);
    }
    if (block.idLine === undefined) {
      edits.push({ at: block.nameLine + 1, replace: false, line: `${block.indent}database_id = "${id}"` });
    } else {
      const m = ID_LINE.exec(lines[block.idLine]!)!;
      edits.push({ at: block.idLine, replace: true, line: `${m[1]}${m[2]}${id}${m[2]}${m[4]}` });
    }
  }
  for (const edit of edits.sort((a, b) => b.at - a.at)) lines.splice(edit.at, edit.replace ? 1 : 0, edit.line);
  return lines.join(eol);
}

/**
 * Writes `updated` over the wrangler configuration at `file` when wrangler reads it as the file it replaces with
 * only these database ids changed; otherwise leaves the file as it was and throws.
 */
export function writeDatabaseIds(file: string, updated: string, ids: Record<string, string>): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file, ".toml")}.setup-${process.pid}.toml`);
  writeFileSync(temp, updated);
  try {
    chmodSync(temp, statSync(file).mode & 0o777);
    const expected = experimental_readRawConfig({ config: file }).rawConfig as { d1_databases?: Array<Record<string, unknown>> };
    for (const db of expected.d1_databases ?? []) {
      const id = ids[String(db.database_name)];
      if (id) db.database_id = id;
    }
    const written = experimental_readRawConfig({ config: temp }).rawConfig;
    if (!isDeepStrictEqual(written, expected)) {
      throw new TomlEditError(`could not set database_id in ${file} safely: put ${JSON.stringify(ids)} there by hand`);
    }
    renameSync(temp, file);
  } finally {
    rmSync(temp, { force: true });
  }
}
