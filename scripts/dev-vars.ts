// Local secrets in .dev.vars: read them, and create them from .dev.vars.example with fresh random values.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fillDevVars, parseDevVars } from "./dev-vars-text";

export { LOCAL_SES_ENDPOINT, LOCAL_SNS_TOPIC_ARN, parseDevVars } from "./dev-vars-text";

export const DEV_VARS = ".dev.vars";

export function readDevVars(): Record<string, string> {
  return existsSync(DEV_VARS) ? parseDevVars(readFileSync(DEV_VARS, "utf8")) : {};
}

/** Create .dev.vars from the example, filling every empty value we know how to generate; keep an existing file. */
export function ensureDevVars(): { created: boolean; filled: string[] } {
  const existing = existsSync(DEV_VARS) ? readFileSync(DEV_VARS, "utf8") : null;
  const { text, filled } = fillDevVars(existing ?? readFileSync(".dev.vars.example", "utf8"));
  if (existing === null || filled.length > 0) writeFileSync(DEV_VARS, text, { mode: 0o600 });
  return { created: existing === null, filled };
}
