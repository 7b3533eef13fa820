// Step 3: every queue and dead-letter queue wrangler.toml names exists; dead-letter queues keep their messages 14 days.

import { configuredQueues, DEAD_LETTER_RETENTION_SECONDS } from "../preflight/checks";
import { listQueues } from "../preflight/wrangler";
import { accountFix, change, SetupError, type SetupContext } from "./context";
import { shown } from "./wrangler";

/** The arguments creating a queue: dead-letter queues outlast the 48 h their consumers retry (docs/OPERATIONS.md, Outages and dead letters). */
export function createQueueArgs(queue: { name: string; deadLetter: boolean }): string[] {
  return ["queues", "create", queue.name, ...(queue.deadLetter ? ["--message-retention-period-secs", String(DEAD_LETTER_RETENTION_SECONDS)] : [])];
}

const retentionHint = (error: string) =>
  /retention/i.test(error) ? ["a retention over 1 day (86400 s) needs the Workers Paid plan: upgrade it (Dashboard → Workers & Pages → Plans)"] : [];

export async function ensureQueues(ctx: SetupContext): Promise<void> {
  const wanted = configuredQueues(ctx.config);
  if (wanted.length === 0) {
    ctx.report.info("wrangler.toml names no queue");
    return;
  }
  if (ctx.dryRun) ctx.report.info(`reading: ${shown(["queues", "list", "--page", "1", "-c", ctx.configPath])} (and the pages after it)`);
  const existing = await listQueues(ctx.run, ctx.configPath);
  if (!existing.ok) {
    throw new SetupError(`could not list the account's queues: ${existing.error}`, ...accountFix(existing.error));
  }
  const keptDeadLetters: string[] = [];
  for (const queue of wanted) {
    const kind = queue.deadLetter ? "dead-letter queue" : "queue";
    if (existing.value.includes(queue.name)) {
      ctx.report.outcome("already as wanted", `${kind} ${queue.name}`);
      if (queue.deadLetter) keptDeadLetters.push(queue.name);
      continue;
    }
    const made = await change(ctx, createQueueArgs(queue), undefined, retentionHint);
    const retention = queue.deadLetter ? `, messages kept ${DEAD_LETTER_RETENTION_SECONDS / 86_400} days` : "";
    ctx.report.outcome(made ? "created" : "would create", `${kind} ${queue.name}${retention}`);
  }
  if (keptDeadLetters.length > 0) {
    // Queues' API does not show a queue's retention, so one created by hand is left as it is.
    ctx.report.info(
      `a dead-letter queue created by hand may keep its messages only 4 days (the default), and wrangler cannot show it; to be sure of ${DEAD_LETTER_RETENTION_SECONDS / 86_400} days:`,
      ...keptDeadLetters.map((name) => `  npx wrangler queues update ${name} --message-retention-period-secs ${DEAD_LETTER_RETENTION_SECONDS}`),
    );
  }
}
