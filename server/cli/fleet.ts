/**
 * `fleet`: the operator CLI (CONTRACT.md §3). A dispatcher over a table of subcommands; each lives
 * in `commands/<name>.ts` and exports `usage` (its help text) and `run(args, io)`, and is loaded only
 * when called. To add a command: write the file, add one line to COMMANDS.
 *
 * Exit codes: 0 success, 1 the input or the operation failed, 2 the command line itself is wrong.
 */
import { didYouMean } from "@/lib/did-you-mean";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from "./io";

export { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo };

export interface CommandModule {
  /** the full help text: `fleet <cmd> --help` prints it */
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}

export interface CommandEntry {
  name: string;
  /** one line for `fleet --help` */
  summary: string;
  load(): Promise<CommandModule>;
}

export const COMMANDS: CommandEntry[] = [
  { name: "validate", summary: "check job files; print each normalized manifest as JSON", load: () => import("./commands/validate") },
  { name: "simulate", summary: "replay a workload trace through the scheduler beside a FIFO baseline", load: () => import("./commands/simulate") },
  { name: "submit", summary: "submit a job file to the coordinator", load: () => import("./commands/submit") },
  { name: "ls", summary: "list jobs", load: () => import("./commands/ls") },
  { name: "show", summary: "show one job as JSON", load: () => import("./commands/show") },
  { name: "logs", summary: "print a job's log (-f follows it)", load: () => import("./commands/logs") },
  { name: "ship", summary: "ship a job (the human gate)", load: () => import("./commands/ship") },
  { name: "requeue", summary: "put a failed, dead-lettered or cancelled job back in the queue", load: () => import("./commands/requeue") },
  { name: "approve", summary: "approve a job in review (its gates still apply)", load: () => import("./commands/approve") },
  { name: "reject", summary: "reject a job in review or testing", load: () => import("./commands/reject") },
  { name: "cancel", summary: "cancel a job (a running one is stopped)", load: () => import("./commands/cancel") },
  { name: "pause", summary: "pause a job: it is not claimed until resumed", load: () => import("./commands/pause") },
  { name: "resume", summary: "resume a paused job, optionally with a raised budget", load: () => import("./commands/resume") },
  { name: "retry-push", summary: "try a job's failed push or PR again", load: () => import("./commands/retry-push") },
  { name: "request-changes", summary: "queue a follow-up job on a job's branch with your feedback", load: () => import("./commands/request-changes") },
  { name: "events", summary: "a job's timeline, oldest first", load: () => import("./commands/events") },
  { name: "artifact", summary: "download one of a job's stored artifacts", load: () => import("./commands/artifact") },
  { name: "dag", summary: "the job dependency graph", load: () => import("./commands/dag") },
  { name: "factories", summary: "list, show, drain, revoke or approve factories", load: () => import("./commands/factories") },
  { name: "watch", summary: "follow the fleet live: job events and factory heartbeats", load: () => import("./commands/watch") },
  { name: "stats", summary: "queue depth per stage, paused products, alerts", load: () => import("./commands/stats") },
  { name: "profiles", summary: "list agent profiles, or show one", load: () => import("./commands/profiles") },
  { name: "product", summary: "pause or resume one product's jobs", load: () => import("./commands/product") },
  { name: "tokens", summary: "list, create (with a role) or revoke API tokens", load: () => import("./commands/tokens") },
  { name: "users", summary: "list users, or set a user's role", load: () => import("./commands/users") },
  { name: "alerts", summary: "alert sinks, open alerts and deliveries; test, retry, set sinks", load: () => import("./commands/alerts") },
  { name: "protected-paths", summary: "show or set the globs a change may touch only with a reviewer's approval", load: () => import("./commands/protected-paths") },
  { name: "scheduling", summary: "show or set scheduler weights and SLA targets", load: () => import("./commands/scheduling") },
  { name: "trackers", summary: "tracker connections and pending write-backs", load: () => import("./commands/trackers") },
  { name: "from-tracker", summary: "import one tracker item (github:owner/repo#123, linear:ENG-42) as a job", load: () => import("./commands/from-tracker") },
  { name: "kill-switch", summary: "show, stop (on) or allow (off) all claiming fleet-wide", load: () => import("./commands/kill-switch") },
  { name: "enrollment-tokens", summary: "list, create (with an expiry and a use count) or revoke enrollment tokens", load: () => import("./commands/enrollment-tokens") },
  { name: "archive", summary: "export whole terminal jobs older than a date to a .jsonl.gz (opens the store)", load: () => import("./commands/archive") },
  { name: "import-archive", summary: "restore an archive into an empty store (opens the store)", load: () => import("./commands/import-archive") },
];


function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "fleet: submit and inspect jobs on a Gigafactory fleet",
    "",
    "usage: fleet <command> [options]",
    "",
    "commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "`fleet <command> --help` shows a command's options. Every read takes --json (the API's body as it came).",
    "Commands that talk to a server read FLEET_SERVER and FLEET_TOKEN; archive and import-archive",
    "open the store like the control plane (FLEET_STORE, FLEET_DATA_DIR, COSMOS_*).",
    "",
  ].join("\n");
}

export function processIo(): CliIo {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    cwd: process.cwd(),
    env: process.env,
    stdoutIsTty: process.stdout.isTTY === true,
  };
}

const isHelp = (a: string | undefined) => a === "--help" || a === "-h";

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(overview());
    return EXIT_USAGE;
  }
  if (isHelp(name) || name === "help") {
    const topic = name === "help" ? rest[0] : undefined;
    if (topic === undefined) {
      io.stdout(overview());
      return EXIT_OK;
    }
    return main([topic, "--help"], io);
  }
  if (name === "--version" || name === "-v") {
    io.stdout("fleet 0.1.0\n");
    return EXIT_OK;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    const near = didYouMean(name, COMMANDS.map((c) => c.name));
    io.stderr(`fleet: unknown command "${name}"${near ? `; did you mean \`${near}\`?` : ""}\nRun \`fleet --help\` for the list.\n`);
    return EXIT_USAGE;
  }
  const command = await entry.load();
  if (rest.some(isHelp)) {
    io.stdout(command.usage.endsWith("\n") ? command.usage : `${command.usage}\n`);
    return EXIT_OK;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    io.stderr(`fleet ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_FAILED;
  }
}
