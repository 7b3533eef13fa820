// CI's smoke test of the README (.ci/smoke runs it in a fresh clone): `npm start` as the Quick start says, then every
// README block marked `<!-- smoke:<name> -->`, run as written, each command's output checked against what the README
// documents for it. A block without checks here, or a check whose command is no longer in its block, fails too.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { assignedNames, type ReadmeBlock, readmeBlocks } from "./readme-blocks";
import { type Check, README_CHECKS, type Step } from "./readme-smoke-checks";

const ORIGIN = "http://127.0.0.1:8787";
const READY = `mail-tracker is running on ${ORIGIN}`;
const STEP = "@@smoke-step ";

function log(line: string): void {
  console.log(`[smoke] ${line}`);
}

/** A bash script: the block itself, with each command's text announced before it runs, then its variables saved. */
function instrumented(block: ReadmeBlock, envFile: string): string {
  const names = assignedNames(block.script);
  return [
    "set -eo pipefail",
    `trap '__c=$BASH_COMMAND; printf "\\n${STEP}%s\\n" "$(printf %s "$__c" | base64 -w0)"' DEBUG`,
    block.script,
    "trap - DEBUG",
    names.length ? `declare -p ${names.join(" ")} > '${envFile}'` : `: > '${envFile}'`,
    "",
  ].join("\n");
}

/** The output of the script, cut into what each command printed (a pipeline's output goes to its last command). */
function steps(output: string): Step[] {
  const out: Step[] = [];
  for (const line of output.split("\n")) {
    if (line.startsWith(STEP)) out.push({ command: Buffer.from(line.slice(STEP.length), "base64").toString("utf8"), output: "" });
    else if (out.length) out[out.length - 1]!.output += `${line}\n`;
  }
  for (const s of out) s.output = s.output.trim();
  return out;
}

function runBlock(block: ReadmeBlock, dir: string): { steps: Step[]; envFile: string } {
  const envFile = path.join(dir, `${block.name}.env`);
  const file = path.join(dir, `${block.name}.sh`);
  writeFileSync(file, instrumented(block, envFile));
  const result = spawnSync("bash", [file], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  if (result.status !== 0) {
    throw new Error(`README block smoke:${block.name} (line ${block.line}) failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  return { steps: steps(result.stdout), envFile };
}

/** Run one command of a block again, alone, with the variables the block had set (a check that waits on a condition). */
function rerun(command: string, envFile: string): string {
  const result = spawnSync("bash", ["-c", `source '${envFile}'\n${command}`], { encoding: "utf8", timeout: 60_000 });
  if (result.status !== 0) throw new Error(`\`${command}\` failed (${result.status}): ${result.stderr}`);
  return result.stdout.trim();
}

async function check(block: ReadmeBlock, c: Check, found: Step[], envFile: string, memory: Map<string, string>): Promise<void> {
  const mine = found.filter((s) => c.command.test(s.command));
  if (mine.length !== (c.times ?? 1)) {
    throw new Error(`README block smoke:${block.name}: expected ${c.times ?? 1} run(s) of a command matching ${c.command}, found ${mine.length}`);
  }
  for (const step of mine) {
    let problem = c.expect(step.output, memory);
    // What the README documents "a moment later" (the queue, the consumer) is waited for by running it again.
    for (const deadline = Date.now() + (c.waitMs ?? 0); problem && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 500));
      step.output = rerun(step.command, envFile);
      problem = c.expect(step.output, memory);
    }
    if (problem) throw new Error(`README block smoke:${block.name}, \`${step.command}\`: ${problem}\n--- its output ---\n${step.output}`);
    log(`ok  ${block.name}: ${c.documents}`);
  }
}

function startNpmStart(quickStart: ReadmeBlock, logFile: string): { child: ChildProcess; ready: Promise<void> } {
  const line = quickStart.script.split("\n").find((l) => /^npm start\b/.test(l));
  if (!line) throw new Error("the README's Quick start block has no `npm start` line");
  log(`running the Quick start's \`${line.replace(/\s+#.*/, "")}\` (output: ${logFile})`);
  // `exec`: the child's PID is npm's own, the one a newcomer stops. Its own process group (setsid), so that whatever
  // outlives that stop can be seen, and killed.
  const child = spawn("bash", ["-c", `exec ${line}`], { detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let seen = "";
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start was not ready within 5 minutes:\n${seen.slice(-4000)}`)), 300_000);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString("utf8");
      writeFileSync(logFile, seen);
      if (seen.includes(READY)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code}) before it was ready:\n${seen.slice(-4000)}`));
    });
  });
  return { child, ready };
}

/** Whether any process of the group led by `pid` is still alive. */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops npm start as a newcomer would: SIGTERM to its PID alone. Every process it started (wrangler's workerd, the
 * local SES) must be gone within 20 s, or port 8787 stays taken for the next `npm start`: that fails the smoke test,
 * after the group is killed so nothing outlives it.
 */
async function stopByPid(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + 20_000;
  while (groupAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  if (!groupAlive(pid)) return;
  process.kill(-pid, "SIGKILL");
  throw new Error("npm start left processes running 20 s after SIGTERM to its PID (killed them)");
}

async function main(): Promise<void> {
  const blocks = readmeBlocks(readFileSync("README.md", "utf8"));
  const quickStart = blocks.find((b) => b.name === "quick-start");
  if (!quickStart) throw new Error("README.md has no smoke:quick-start block");
  const examples = blocks.filter((b) => b !== quickStart);
  for (const b of examples)
    if (!README_CHECKS[b.name]) throw new Error(`README block smoke:${b.name} (line ${b.line}) has no checks in scripts/readme-smoke-checks.ts`);
  for (const name of Object.keys(README_CHECKS))
    if (!examples.some((b) => b.name === name)) throw new Error(`README.md has no smoke:${name} block any more`);

  const dir = mkdtempSync(path.join(tmpdir(), "readme-smoke-"));
  const started = Date.now();
  const { child, ready } = startNpmStart(quickStart, path.join(dir, "npm-start.log"));
  try {
    await ready;
    log(`npm start is ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const memory = new Map<string, string>();
    for (const block of examples) {
      const { steps: found, envFile } = runBlock(block, dir);
      for (const c of README_CHECKS[block.name]!) await check(block, c, found, envFile, memory);
    }
    log(`every README example works (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } finally {
    await stopByPid(child);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`[smoke] FAILED: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
