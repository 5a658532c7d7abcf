/**
 * What every `fleet` subcommand shares with the dispatcher (fleet.ts): its I/O and the exit codes.
 * Apart from fleet.ts so the commands never import the dispatcher that loads them.
 *
 * Exit codes: 0 success, 1 the input or the operation failed, 2 the command line itself is wrong.
 */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** stdout is a terminal: text from jobs is made terminal-safe before it is printed (lib/terminal-safe) */
  stdoutIsTty?: boolean;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
