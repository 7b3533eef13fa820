// What connect-ses prints: numbered steps, one line per resource saying what happened to it, and a closing summary.

import type { CallEvent } from "../aws/client";

export type Outcome = "created" | "updated" | "deployed" | "already as wanted" | "would create" | "would update" | "would deploy";

export class Report {
  /** Changes made (or, in a dry run, that would be made). */
  readonly changes: string[] = [];
  readonly todos: string[] = [];
  readonly failures: string[] = [];

  constructor(
    private readonly out: (line: string) => void,
    readonly dryRun: boolean,
  ) {}

  step(n: number, title: string): void {
    this.out("");
    this.out(`${n}. ${title}`);
  }

  info(...lines: string[]): void {
    for (const line of lines) this.out(`   ${line}`);
  }

  outcome(outcome: Outcome, what: string): void {
    if (outcome !== "already as wanted") this.changes.push(`${outcome}: ${what}`);
    this.out(`   ${outcome}: ${what}`);
  }

  /** Something only a person can do (verify a domain, leave the sandbox…); not a failure of this command. */
  todo(text: string, ...details: string[]): void {
    this.todos.push(text);
    this.out(`   to do: ${text}`);
    for (const line of details) this.out(`          ${line}`);
  }

  /** A step that did not reach its goal; the command exits non-zero. */
  fail(headline: string, ...details: string[]): void {
    this.failures.push(headline);
    this.out(`   FAILED: ${headline}`);
    for (const line of details) this.out(`           ${line}`);
  }

  /** Reads are listed in a dry run only; every mutating call is listed, made or not. */
  call(event: CallEvent): void {
    if (event.mode === "skipped") this.out(`   would call ${event.description}`);
    else if (event.mode === "call") this.out(`   calling ${event.description}`);
    else if (this.dryRun) this.out(`   reading ${event.description}`);
  }

  summary(): void {
    this.out("");
    if (this.failures.length > 0) {
      this.out(`Not finished: ${this.failures.length} problem(s) above (${this.failures.join("; ")}).`);
    } else if (this.dryRun) {
      this.out(
        this.changes.length === 0
          ? "Dry run: nothing would change; everything is already as wanted."
          : `Dry run: ${this.changes.length} change(s) would be made (the "would …" lines above); nothing was changed.`,
      );
    } else {
      this.out(this.changes.length === 0 ? "Nothing changed: everything was already as wanted." : `Done: ${this.changes.length} change(s) made.`);
    }
    if (this.todos.length > 0) {
      this.out("Still to do by hand:");
      for (const todo of this.todos) this.out(`  - ${todo}`);
    }
  }
}
