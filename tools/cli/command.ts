/** The shape of one CLI command. Commands write results to `out` and diagnostics to `err`. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
}

export interface Command {
  /** Words that select the command, e.g. ['subscriptions', 'list']. */
  path: readonly string[];
  summary: string;
  usage: string;
  /** Returns the process exit code. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** A usage error: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}
