// A fake wrangler over a fake Cloudflare account: answers the commands setup, preflight and deploy run, printed as the real
// wrangler 4 prints them (wrangler-dist/cli.js), records every call, and keeps what was created.

export interface FakeCall {
  args: string[];
  input?: string;
}

export interface FakeOutput {
  code: number;
  stdout: string;
  stderr: string;
}

export interface FakeAccountState {
  loggedIn: boolean;
  accounts: Array<{ id: string; name: string }>;
  databases: Array<{ name: string; uuid: string }>;
  queues: Array<{ name: string; retentionSecs?: number }>;
  /** Bucket names, by jurisdiction ("" for the default). */
  buckets: Record<string, string[]>;
  /** Secrets of each worker on the account, by worker name; a missing worker has no entry. */
  workers: Record<string, Record<string, string>>;
  /** The account wrangler acts on when there are several (CLOUDFLARE_ACCOUNT_ID, or the choice it remembers). */
  selectedAccount?: string;
  /** Commands (their words joined by spaces, prefix match) that fail with an API error. */
  failing: string[];
  /** Each `wrangler deploy`, by the configuration it deployed. */
  deploys: string[];
  /** Each `wrangler d1 migrations apply --remote`, by database name. */
  migrations: string[];
}

/** Rows per page of `wrangler queues list`: small, so that paging is exercised. */
const QUEUE_PAGE = 4;

export function emptyAccount(): FakeAccountState {
  return {
    loggedIn: true,
    accounts: [{ id: "0123456789abcdef0123456789abcdef", name: "Example" }],
    databases: [],
    queues: [],
    buckets: {},
    workers: {},
    failing: [],
    deploys: [],
    migrations: [],
  };
}

const ok = (stdout: string): FakeOutput => ({ code: 0, stdout, stderr: "" });
const error = (message: string): FakeOutput => ({
  code: 1,
  stdout: "",
  stderr: `\n\u001b[31m✘ \u001b[41;31m[\u001b[41;97mERROR\u001b[41;31m]\u001b[0m \u001b[1m${message}\u001b[0m\n\n🪵  Logs were written to "/home/u/.wrangler/logs/wrangler.log"\n`,
});
const NOT_LOGGED_IN = error(
  "In a non-interactive environment, it's necessary to set a CLOUDFLARE_API_TOKEN environment variable for wrangler to work. Please go to https://developers.cloudflare.com/fundamentals/api/get-started/create-token/ for instructions on how to create an api token, and assign its value to CLOUDFLARE_API_TOKEN.",
);

function table(rows: Array<Record<string, string>>): string {
  if (rows.length === 0) return "\n";
  const keys = Object.keys(rows[0]!);
  const width = keys.map((k) => Math.max(k.length, ...rows.map((r) => r[k]!.length)));
  const line = (cells: string[]) => `│ ${cells.map((c, i) => c.padEnd(width[i]!)).join(" │ ")} │`;
  const rule = (l: string, m: string, r: string) => `${l}${width.map((w) => "─".repeat(w + 2)).join(m)}${r}`;
  return (
    [rule("┌", "┬", "┐"), line(keys), ...rows.flatMap((r) => [rule("├", "┼", "┤"), line(keys.map((k) => r[k]!))]), rule("└", "┴", "┘")].join("\n") +
    "\n"
  );
}

export class FakeWrangler {
  readonly calls: FakeCall[] = [];
  private counter = 0;

  state: FakeAccountState;
  /** The worker name wrangler.toml gives (what `secret` commands act on). */
  private readonly workerName: string;

  // No parameter properties: Node runs this file with its type stripping (fake-wrangler-bin.ts), which has none.
  constructor(state: FakeAccountState = emptyAccount(), workerName = "mail-tracker") {
    this.state = state;
    this.workerName = workerName;
  }

  readonly run = async (args: string[], input?: string): Promise<FakeOutput> => this.handle(args, input);

  handle(args: string[], input?: string): FakeOutput {
    this.calls.push(input === undefined ? { args } : { args, input });
    const words = args.filter(
      (a, i) => !a.startsWith("-") && !args[i - 1]?.match(/^(-c|--config|--page|--jurisdiction|-J|--format|--message-retention-period-secs)$/),
    );
    const command = words.join(" ");
    if (args[0] === "whoami") return this.whoami();
    if (!this.state.loggedIn) return NOT_LOGGED_IN;
    if (this.state.accounts.length > 1 && !this.state.selectedAccount) return this.noAccountChosen();
    if (this.state.failing.some((f) => command.startsWith(f))) return error(`A request to the Cloudflare API failed: ${command} [code: 10000]`);
    const flag = (name: string) => {
      const at = args.indexOf(name);
      return at < 0 ? undefined : args[at + 1];
    };
    if (command === "deploy") return this.deploy(flag("-c") ?? "wrangler.toml");
    switch (`${words[0]} ${words[1]}${words[0] === "r2" ? ` ${words[2]}` : ""}`) {
      case "d1 list":
        return ok(
          `${JSON.stringify(
            this.state.databases.map((d) => ({
              uuid: d.uuid,
              name: d.name,
              created_at: "2026-12-01T10:00:00.000Z",
              version: "production",
              num_tables: 0,
              file_size: 12288,
            })),
            null,
            2,
          )}\n`,
        );
      case "d1 create":
        return this.createDatabase(words[2]!);
      case "d1 migrations":
        if (words[2] !== "apply" || !args.includes("--remote")) throw new Error(`fake wrangler: unexpected command ${args.join(" ")}`);
        return this.applyMigrations(words[3]!);
      case "queues list":
        return this.listQueues(Number(flag("--page") ?? 1));
      case "queues create":
        return this.createQueue(words[2]!, flag("--message-retention-period-secs"));
      case "r2 bucket list":
        return this.listBuckets(flag("--jurisdiction") ?? "");
      case "r2 bucket create":
        return this.createBucket(words[3]!, flag("--jurisdiction") ?? "");
      case "secret list":
        return this.listSecrets();
      case "secret put":
        return this.putSecret(words[2]!, input ?? "");
      default:
        throw new Error(`fake wrangler: unexpected command ${args.join(" ")}`);
    }
  }

  private noAccountChosen(): FakeOutput {
    return error(
      `More than one account available but unable to select one in non-interactive mode.\nPlease set the appropriate account ID in your Wrangler configuration file or assign it to the \`CLOUDFLARE_ACCOUNT_ID\` environment variable.\nAvailable accounts are (\`<name>\`: \`<account_id>\`):\n${this.state.accounts.map((a) => `  \`${a.name}\`: \`${a.id}\``).join("\n")}`,
    );
  }

  private whoami(): FakeOutput {
    if (!this.state.loggedIn) return { code: 1, stdout: '\n{"loggedIn":false}\n', stderr: "" };
    return ok(
      `${JSON.stringify({ loggedIn: true, authType: "OAuth Token", email: "ops@example.com", accounts: this.state.accounts, tokenPermissions: [] })}\n`,
    );
  }

  private createDatabase(name: string): FakeOutput {
    if (this.state.databases.some((d) => d.name === name)) return error(`A database with that name already exists [code: 7502]`);
    const uuid = `5d2f8c1e-7b3a-4c9d-8e1f-${String(++this.counter).padStart(12, "0")}`;
    this.state.databases.push({ name, uuid });
    return ok(
      `\n ⛅️ wrangler 4.164.0\n───────────────────\n✅ Successfully created DB '${name}' in region WEUR\nCreated your new D1 database.\n\nTo access your new D1 Database in your Worker, add the following snippet to your configuration file:\n[[d1_databases]]\nbinding = "DB"\ndatabase_name = "${name}"\ndatabase_id = "${uuid}"\n`,
    );
  }

  private applyMigrations(name: string): FakeOutput {
    if (!this.state.databases.some((d) => d.name === name)) {
      return error(`Couldn't find a D1 DB with the name or binding '${name}' in your wrangler.toml file.`);
    }
    this.state.migrations.push(name);
    return ok(`\n ⛅️ wrangler 4.164.0\n───────────────────\nMigrations to be applied:\n✅ No migrations to apply!\n`);
  }

  private deploy(configPath: string): FakeOutput {
    // Like the real one, a deploy creates the worker when only its secrets (or nothing) exist yet.
    this.state.workers[this.workerName] ??= {};
    this.state.deploys.push(configPath);
    return ok(
      `\n ⛅️ wrangler 4.164.0\n───────────────────\nTotal Upload: 612.40 KiB / gzip: 118.02 KiB\nUploaded ${this.workerName} (3.21 sec)\n` +
        `Deployed ${this.workerName} triggers (1.02 sec)\n  track.example.com (custom domain)\nCurrent Version ID: 8c1e7b3a-4c9d-4e1f-9a3b-${String(this.state.deploys.length).padStart(12, "0")}\n`,
    );
  }

  private listQueues(page: number): FakeOutput {
    const rows = this.state.queues.slice((page - 1) * QUEUE_PAGE, page * QUEUE_PAGE).map((q, i) => ({
      id: `${String(page * 100 + i).padStart(32, "0")}`,
      name: q.name,
      created_on: "2026-12-01T10:00:00.000Z",
      modified_on: "2026-12-01T10:00:00.000Z",
      producers: "0",
      consumers: "0",
    }));
    return ok(`\n ⛅️ wrangler 4.164.0\n───────────────────\n${table(rows)}`);
  }

  private createQueue(name: string, retention: string | undefined): FakeOutput {
    if (this.state.queues.some((q) => q.name === name))
      return error(`A request to the Cloudflare API failed: Queue name already taken [code: 11009]`);
    const secs = retention === undefined ? undefined : Number(retention);
    if (secs !== undefined && !(secs >= 60 && secs <= 1_209_600)) return error("message retention period is out of range");
    this.state.queues.push(secs === undefined ? { name } : { name, retentionSecs: secs });
    return ok(`🌀 Creating queue '${name}'\n✅ Created queue '${name}'\n`);
  }

  private listBuckets(jurisdiction: string): FakeOutput {
    const names = this.state.buckets[jurisdiction] ?? [];
    const blocks = names.map((n) => `name:           ${n}\ncreation_date:  2026-12-01T10:00:00.000Z`);
    return ok(`\n ⛅️ wrangler 4.164.0\n───────────────────\nListing buckets...\n${blocks.join("\n\n")}\n`);
  }

  private createBucket(name: string, jurisdiction: string): FakeOutput {
    const names = (this.state.buckets[jurisdiction] ??= []);
    if (names.includes(name)) return error("The bucket you tried to create already exists, and you own it. [code: 10004]");
    names.push(name);
    return ok(`Creating bucket '${name}'...\n✅ Created bucket '${name}' with default storage class of Standard.\n`);
  }

  private listSecrets(): FakeOutput {
    const secrets = this.state.workers[this.workerName];
    if (!secrets) {
      return error(
        `Worker "${this.workerName}" not found.\nIf this is a new Worker, run \`wrangler deploy\` first to create it.\nOtherwise, check that the Worker name is correct and you're logged into the right account.`,
      );
    }
    return ok(
      `${JSON.stringify(
        Object.keys(secrets).map((name) => ({ name, type: "secret_text" })),
        null,
        "  ",
      )}\n`,
    );
  }

  private putSecret(name: string, value: string): FakeOutput {
    // Non-interactive wrangler creates the worker (a draft) when it does not exist yet, then puts the secret.
    const created = !this.state.workers[this.workerName];
    const secrets = (this.state.workers[this.workerName] ??= {});
    secrets[name] = value.trimEnd();
    return ok(
      `${created ? `🌀 Creating new Worker "${this.workerName}"...\n` : ""}🌀 Creating the secret for the Worker "${this.workerName}"\n✨ Success! Uploaded secret ${name}\n`,
    );
  }
}
