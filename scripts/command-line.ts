// The npm scripts' options: node:util's parseArgs, with one usage text for --help and for every mistake.
import { type ParseArgsOptionsConfig, parseArgs } from "node:util";

/** Print the mistake and the usage, exit 2. */
export function usageError(usage: string, message: string): never {
  console.error(`error: ${message}\n\n${usage}`);
  process.exit(2);
}

type Values<O extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<{ options: O }>>["values"];

/** The parsed options; --help (-h) prints the usage and exits 0, an unknown or malformed option exits 2. */
export function commandLine<const O extends ParseArgsOptionsConfig>(usage: string, options: O): Values<O> {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ options: { ...options, help: { type: "boolean", short: "h" } } }).values;
  } catch (err) {
    usageError(usage, (err as Error).message);
  }
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  return values as Values<O>;
}
