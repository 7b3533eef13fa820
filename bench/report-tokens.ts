// The tracking tokens part of docs/BENCHMARKS.md: version 2 (AES-GCM) against version 1 (HMAC).
import type { BenchResults } from "./latest-results.ts";
import { n, s } from "./report-format.ts";
import type { TokensResult } from "./workerd.ts";

const TOKEN_PAIRS: Record<string, string> = {
  verifyOpen: "`verifyToken`, open token",
  verifyClick: "`verifyToken`, click token (60-character destination)",
  pixel: "`GET /o/<token>.gif` through the worker (verify, event, GIF)",
  click: "`GET /c/<token>` through the worker (verify, event, 302)",
};

function tokensTable(t: TokensResult): string {
  return [
    "| work | version 1 (HMAC), µs | version 2 (AES-GCM), µs | version 2 ÷ version 1, per run | fastest ÷ fastest |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...Object.entries(t.usPerCall).map(
      ([k, v]) => `| ${TOKEN_PAIRS[k] ?? k} | ${s(v.v1, 1)} | ${s(v.v2, 1)} | **${s(t.ratioV2toV1[k]!, 2)}** | ${n(t.ratioOfFastest[k]!, 2)} |`,
    ),
  ].join("\n");
}

function tokenLengths(r: BenchResults): string {
  return `${r.tokens.clickTokenChars.v2} characters in version 2, ${r.tokens.clickTokenChars.v1} in version 1`;
}

/** Issue 15's goals: a click URL at most 1.3× as long, verify+decrypt within 1.2× of version 1 on the pixel and click paths. */
function tokenGoals(t: TokensResult): string {
  const lines: string[] = [];
  if (t.clickUrlChars) {
    const ratio = t.clickUrlChars.v2 / t.clickUrlChars.v1;
    lines.push(
      `- Click URL length, median over the 64 recipients, on \`${t.clickUrlChars.origin}\` with a 60-character destination: ${t.clickUrlChars.v1} characters in version 1, ${t.clickUrlChars.v2} in version 2, **${n(ratio, 2)}×** (goal at most 1.3×: ${ratio <= 1.3 ? "**met**" : "**not met**"}).`,
    );
  }
  for (const path of ["pixel", "click"]) {
    const ratio = t.ratioV2toV1[path];
    if (ratio)
      lines.push(
        `- ${TOKEN_PAIRS[path]}: version 2 takes **${n(ratio.median, 2)}×** version 1's time (goal at most 1.2×: ${ratio.median <= 1.2 ? "**met**" : "**not met**"}).`,
      );
  }
  return lines.join("\n");
}

/** Tracking tokens, version 2 against version 1. */
export function tokensSection(r: BenchResults): string {
  return `## Tracking tokens: version 2 (AES-GCM) against version 1 (HMAC)

Version-2 tokens are decrypted and authenticated with AES-256-GCM where version 1 checked an HMAC-SHA256 tag
(src/tracking/token-v1.ts, token-v2.ts). bench/workerd/tokens.bench-test.ts times, inside workerd, 64 distinct tokens
of each version (a click token with a 60-character destination is ${tokenLengths(r)}), as \`verifyToken\` alone and as the whole
pixel and click requests through the worker's fetch handler (the events queue is a recording stub: no I/O in a batch,
so a batch's time is the thread's CPU time). ${r.tokens.runs} runs; in each, the two versions of a pair are timed back to back
(about 100 ms each, order swapped every run) and their ratio taken; "fastest ÷ fastest" compares each side's least
disturbed batch, the closest a wall clock gets to CPU time when other processes share the machine.

${tokensTable(r.tokens)}

${tokenGoals(r.tokens)}`;
}
