// What each README example documents about its output (the `# →` lines and the prose around it), as checks that
// scripts/readme-smoke.ts runs against what the example's commands print. Keyed by the block's smoke:<name> marker.

export interface Step {
  /** The command's text as bash ran it (variables not expanded). */
  command: string;
  output: string;
}

export interface Check {
  /** Which command of the block (its text as bash reports it). */
  command: RegExp;
  /** How many times the block runs it (a loop); default 1. */
  times?: number;
  /** What the README says it prints, for the log. */
  documents: string;
  /** null when the output is as documented, otherwise what is wrong. `memory` carries values between checks. */
  expect(output: string, memory: Map<string, string>): string | null;
  /** The README says "a moment later" (queue and consumer): run the command again until it holds, for this long. */
  waitMs?: number;
}

const ORIGIN = "http://127.0.0.1:8787";
const SETTLE_MS = 30_000;

function json(output: string): unknown {
  // npm prints its own "> script" lines first: the answer is the JSON after them.
  const start = output.search(/[{[]/);
  try {
    return JSON.parse(output.slice(start));
  } catch {
    return undefined;
  }
}

type Json = Record<string, unknown>;

function at(value: unknown, keys: string): unknown {
  return keys.split(".").reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Json)[k] : undefined), value);
}

/** null when every `path: value` pair holds in the JSON output, else the first that does not. */
function fields(output: string, expected: Record<string, unknown>): string | null {
  const data = json(output);
  if (data === undefined) return "not JSON";
  for (const [key, value] of Object.entries(expected)) {
    if (at(data, key) !== value) return `${key} is ${JSON.stringify(at(data, key))}, the README says ${JSON.stringify(value)}`;
  }
  return null;
}

function links(output: string): string | null {
  const data = json(output) as Json | undefined;
  if (!data) return "not JSON";
  for (const [key, path] of [
    ["pixel", "/o/"],
    ["click", "/c/"],
  ] as const) {
    if (typeof data[key] !== "string" || !(data[key] as string).startsWith(ORIGIN + path)) return `no ${key} URL under ${ORIGIN}${path}`;
  }
  return null;
}

/** {"messageId":"…"} alone, as the README shows it; the id is remembered under `key`. */
function messageId(key: string) {
  return (output: string, memory: Map<string, string>): string | null => {
    const m = /^\{"messageId":"([^"]+)"\}$/.exec(output);
    if (!m) return 'not {"messageId":"…"}';
    memory.set(key, memory.has(key) ? `${memory.get(key)} ${m[1]}` : m[1]!);
    return null;
  };
}

function storedMail(output: string, memory: Map<string, string>): string | null {
  const id = memory.get("welcome");
  const emails = at(json(output), "emails") as { messageId: string; body?: { html?: string }; headers?: { name: string; value: string }[] }[];
  const mail = Array.isArray(emails) ? emails.find((e) => e.messageId === id) : undefined;
  if (!mail) return `the emulator holds no mail ${id}`;
  const html = mail.body?.html ?? "";
  const header = (name: string) => mail.headers?.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value ?? "";
  if (!html.includes(`href="${ORIGIN}/c/`)) return "its HTML has no tracked link";
  if (!new RegExp(`<img[^>]+src="${ORIGIN}/o/[^"]+"`).test(html)) return "its HTML has no tracking pixel";
  if (!header("List-Unsubscribe").includes(`<${ORIGIN}/u/`)) return "no List-Unsubscribe header with the one-click URL";
  if (header("List-Unsubscribe-Post") !== "List-Unsubscribe=One-Click") return "no List-Unsubscribe-Post: List-Unsubscribe=One-Click header";
  return null;
}

function welcomeEvents(output: string, memory: Map<string, string>): string | null {
  const id = memory.get("welcome")!;
  // Without a terminal, wrangler prints the answer as JSON: [{ "results": [rows] }] after its banner.
  const rows = at((json(output.slice(output.indexOf("\n["))) as unknown[] | undefined)?.[0], "results") as Json[] | undefined;
  if (!Array.isArray(rows)) return "no result rows";
  if (!rows.some((r) => r.type === "send" && r.ses_message_id === id)) return `no "send" row carrying ${id}`;
  if (!rows.some((r) => r.type === "click" && r.link === "https://example.com/sale?a=1&b=2" && r.machine_reason === "human")) {
    return 'no "click" row with the destination and machine_reason "human"';
  }
  return null;
}

function simulatorSuppressions(output: string): string | null {
  const items = at(json(output), "items");
  if (!Array.isArray(items)) return "no items";
  const reasons = Object.fromEntries(items.map((i: Json) => [i.email, i.reason]));
  if (reasons["bounce@simulator.amazonses.com"] !== "hard_bounce") return "bounce@simulator.amazonses.com is not suppressed for its hard bounce";
  if (reasons["complaint@simulator.amazonses.com"] !== "complaint") return "complaint@simulator.amazonses.com is not suppressed for its complaint";
  return null;
}

export const README_CHECKS: Record<string, Check[]> = {
  "mint-links": [
    { command: /^npm run link -- /, documents: "npm run link prints the pixel and click URLs", expect: links },
    { command: /^curl -s -X POST http:\/\/127\.0\.0\.1:8787\/api\/links\b/, documents: "POST /api/links answers them", expect: links },
  ],
  "send-locally": [
    { command: /^curl -s -X POST http:\/\/127\.0\.0\.1:8787\/api\/send\b/, documents: '{"messageId":"ses-…"}', expect: messageId("welcome") },
    {
      command: /^curl -s http:\/\/127\.0\.0\.1:8005\/store$/,
      documents: "the emulator holds the mail: tracked link, pixel, List-Unsubscribe headers",
      expect: storedMail,
    },
    {
      command: /^curl -s -o \/dev\/null -w /,
      documents: "the tracked link answers 302 to https://example.com/sale?a=1&b=2",
      expect: (output) => (output === "302 https://example.com/sale?a=1&b=2" ? null : "not a 302 to https://example.com/sale?a=1&b=2"),
    },
    {
      command: /^npx wrangler d1 execute DB --local /,
      documents: 'a "send" row with the SES MessageId and a human "click" row',
      expect: welcomeEvents,
      waitMs: SETTLE_MS,
    },
    {
      command: /\/api\/campaigns\/welcome\/stats$/,
      documents: '"sent": 1, "clicks": { "total": 1, "unique": 1, "machine": 0 }',
      expect: (output) => fields(output, { sent: 1, "clicks.total": 1, "clicks.unique": 1, "clicks.machine": 0 }),
      waitMs: SETTLE_MS,
    },
  ],
  simulator: [
    {
      command: /^curl -s -X POST http:\/\/127\.0\.0\.1:8787\/api\/send\b/,
      times: 2,
      documents: '{"messageId":"ses-…"} for each simulator address',
      expect: messageId("simulator"),
    },
    {
      command: /\/api\/suppressions\?q=simulator\.amazonses\.com'$/,
      documents: "bounce@ suppressed as hard_bounce, complaint@ as complaint",
      expect: simulatorSuppressions,
      waitMs: SETTLE_MS,
    },
    {
      command: /\/api\/campaigns\/simulator\/stats$/,
      documents: '"sent": 2, "delivered": 1, "bounces": { "hard": 1 }, "complaints": 1',
      expect: (output) => fields(output, { sent: 2, delivered: 1, "bounces.hard": 1, complaints: 1 }),
      waitMs: SETTLE_MS,
    },
  ],
};
