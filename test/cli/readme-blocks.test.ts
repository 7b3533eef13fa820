// The README blocks the CI smoke test runs (scripts/readme-blocks.ts), and its checks (scripts/readme-smoke-checks.ts)
// against them: a check that names a command its block no longer has would fail CI late; this says so at once.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { assignedNames, readmeBlocks } from "../../scripts/readme-blocks";
import { README_CHECKS } from "../../scripts/readme-smoke-checks";
import { REPO } from "./support/connect";

const README = readFileSync(path.join(REPO, "README.md"), "utf8");

describe("the README's smoke blocks", () => {
  it("are the Quick start and one block per set of checks, and each check finds its command in its block", () => {
    const blocks = readmeBlocks(README);
    expect(blocks.map((b) => b.name).sort()).toEqual(["quick-start", ...Object.keys(README_CHECKS)].sort());
    expect(blocks.find((b) => b.name === "quick-start")!.script).toMatch(/^npm start\b/m);
    for (const block of blocks.filter((b) => b.name !== "quick-start")) {
      // bash reports a command continued over lines as one line: its first line is what the checks match on.
      const lines = block.script.split("\n").map((l) => l.trim().replace(/\s*\\$/, ""));
      for (const check of README_CHECKS[block.name]!) {
        expect(
          lines.some((l) => check.command.test(l)),
          `${block.name}: ${check.command}`,
        ).toBe(true);
      }
    }
  });

  it("refuses a marker without a sh block, an unclosed block and a name used twice", () => {
    expect(() => readmeBlocks("<!-- smoke:a -->\ntext\n")).toThrow(/not followed by/);
    expect(() => readmeBlocks("<!-- smoke:a -->\n```sh\necho\n")).toThrow(/not closed/);
    expect(() => readmeBlocks("<!-- smoke:a -->\n```sh\necho\n```\n<!-- smoke:a -->\n```sh\necho\n```\n")).toThrow(/second/);
    expect(readmeBlocks("x\n<!-- smoke:a note -->\n```sh\nA=1 echo\nB=$(x)\n```\n")).toEqual([{ name: "a", script: "A=1 echo\nB=$(x)\n", line: 2 }]);
    expect(assignedNames("A=1\n  B=$(x)\necho C=2\n")).toEqual(["A", "B"]);
  });
});
