// String values in wrangler.toml's top-level [vars] table, read and set as text: comments, order and layout are kept.

export class TomlEditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TomlEditError";
  }
}

const HEADER = /^\s*\[\s*vars\s*\]\s*(#.*)?$/;
const ANY_HEADER = /^\s*\[/;
const KEY_LINE = /^(\s*)([A-Za-z0-9_-]+)(\s*=\s*)(.*)$/;
const ESCAPES: Record<string, string> = { b: "\b", t: "\t", n: "\n", f: "\f", r: "\r", '"': '"', "\\": "\\" };

/** A TOML basic string: JSON's escapes are all valid TOML escapes. */
export function tomlString(value: string): string {
  return JSON.stringify(value);
}

/** A one-line string value and what follows it on the line; `multiline` for """ / ''' values; undefined otherwise. */
function parseValue(rest: string): { value: string; trailing: string } | "multiline" | undefined {
  if (rest.startsWith('"""') || rest.startsWith("'''")) return "multiline";
  if (rest.startsWith("'")) {
    const end = rest.indexOf("'", 1);
    return end < 0 ? undefined : { value: rest.slice(1, end), trailing: rest.slice(end + 1) };
  }
  if (!rest.startsWith('"')) return undefined;
  let value = "";
  for (let i = 1; i < rest.length; i++) {
    const ch = rest[i]!;
    if (ch === '"') return { value, trailing: rest.slice(i + 1) };
    if (ch !== "\\") {
      value += ch;
      continue;
    }
    const next = rest[++i] ?? "";
    if (next === "u" || next === "U") {
      const len = next === "u" ? 4 : 8;
      value += String.fromCodePoint(parseInt(rest.slice(i + 1, i + 1 + len), 16));
      i += len;
    } else if (ESCAPES[next] !== undefined) {
      value += ESCAPES[next];
    } else {
      return undefined;
    }
  }
  return undefined;
}

interface Lines {
  lines: string[];
  eol: string;
  /** Index of the [vars] header and the first line after the table; undefined when there is none. */
  vars?: { header: number; end: number };
}

function splitLines(text: string): Lines {
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const lines = text.split(/\r?\n/);
  const header = lines.findIndex((l) => HEADER.test(l));
  if (header < 0) return { lines, eol };
  let end = header + 1;
  while (end < lines.length && !ANY_HEADER.test(lines[end]!)) end++;
  return { lines, eol, vars: { header, end } };
}

/** The string values of [vars] (other kinds of value are left out). */
export function readVars(text: string): Record<string, string> {
  const { lines, vars } = splitLines(text);
  const out: Record<string, string> = {};
  if (!vars) return out;
  for (let i = vars.header + 1; i < vars.end; i++) {
    const m = KEY_LINE.exec(lines[i]!);
    const parsed = m ? parseValue(m[4]!) : undefined;
    if (m && parsed && parsed !== "multiline") out[m[2]!] = parsed.value;
  }
  return out;
}

/**
 * Sets each key of `values` in [vars]: in place when the key is there (its trailing comment kept), else after the
 * table's last key, preceded by `comments[key]` when given. Creates [vars] at the end when the file has none.
 */
export function setVars(text: string, values: Record<string, string>, comments: Record<string, string> = {}): string {
  const { lines, eol, vars } = splitLines(text);
  const pending = new Map(Object.entries(values));
  const section = vars ?? { header: -1, end: -1 };

  let lastKey = section.header;
  for (let i = section.header + 1; i < section.end; i++) {
    const m = KEY_LINE.exec(lines[i]!);
    if (!m) continue;
    lastKey = i;
    const key = m[2]!;
    if (!pending.has(key)) continue;
    const parsed = parseValue(m[4]!);
    if (parsed === "multiline") throw new TomlEditError(`${key} in [vars] is a multi-line string: set it by hand`);
    // A non-string value (number, boolean) has no trailing part we can find reliably: keep only its comment.
    const trailing = parsed ? parsed.trailing : (/\s+#.*$/.exec(m[4]!)?.[0] ?? "");
    lines[i] = `${m[1]}${key}${m[3]}${tomlString(pending.get(key)!)}${trailing}`;
    pending.delete(key);
  }
  if (pending.size === 0) return lines.join(eol);

  const added: string[] = [];
  for (const [key, value] of pending) {
    if (comments[key]) added.push(`# ${comments[key]}`);
    added.push(`${key} = ${tomlString(value)}`);
  }
  if (!vars) {
    // Appended after everything: a [vars] table may come after arrays of tables in TOML.
    const body = lines.join(eol).replace(/(\r?\n)*$/, "");
    return `${body}${eol}${eol}[vars]${eol}${added.join(eol)}${eol}`;
  }
  lines.splice(lastKey + 1, 0, ...added);
  return lines.join(eol);
}
