import { terminalSafe } from "@/lib/terminal-safe";
import type { CliIo } from "../io";
import { clientFrom, guarded, requireArg, type Client } from "./api-client";
import { followSse } from "./sse-follow";

export const usage = [
  "usage: fleet logs ID [-f]",
  "  Prints the job's stored log (every attempt, already redacted) from GET /jobs/ID/logs.",
  "  -f, --follow  follow it live until the job leaves its running stages (a finished job is printed and done)",
  "  On a terminal, control sequences other than colours are shown as \ufffd (job output is untrusted).",
  "",
].join("\n");

/** Stages after which nothing more is logged until someone requeues the job. */
const DONE_STAGES = new Set(["review", "testing", "shipped", "failed", "dead_letter", "cancelled"]);

export function run(args: string[], io: CliIo): Promise<number> {
  return guarded(io, async () => {
    const id = requireArg(args, "ID", usage);
    const follow = args.includes("-f") || args.includes("--follow");
    const client = clientFrom(io);
    const print = io.stdoutIsTty ? (t: string) => io.stdout(terminalSafe(t)) : (t: string) => io.stdout(t);
    const path = `/jobs/${encodeURIComponent(id)}`;
    if (follow) {
      const job = await client.request<{ stage: string }>("GET", path);
      if (!DONE_STAGES.has(job.stage)) return followLive(client, path, print);
    }
    return printStored(client, path, print);
  });
}

/** The stored log as text/plain, printed as it arrives (a large log is never held whole). */
async function printStored(client: Client, path: string, print: (t: string) => void): Promise<number> {
  const res = await client.text(`${path}/logs`);
  const decoder = new TextDecoder();
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    print(decoder.decode(value, { stream: true }));
  }
  const rest = decoder.decode();
  if (rest) print(rest);
  return 0;
}

/**
 * Follows the job stream until the job reaches a done stage. The stream replays the history first:
 * an old `stage:changed` to `failed` followed by a retry is not the end, so a later change to a
 * running stage cancels the pending stop.
 */
async function followLive(client: Client, path: string, print: (t: string) => void): Promise<number> {
  const ctl = new AbortController();
  const res = await client.stream(`${path}/stream`, ctl.signal);
  let stopping: ReturnType<typeof setTimeout> | undefined;
  try {
    await followSse(res, ctl.signal, (msg) => {
      if (msg.event === "run:log") {
        print((JSON.parse(msg.data) as { text: string }).text);
      } else if (msg.event === "stage:changed") {
        const to = (JSON.parse(msg.data) as { data?: { to?: string } }).data?.to ?? "";
        if (stopping) clearTimeout(stopping);
        stopping = DONE_STAGES.has(to) ? setTimeout(() => ctl.abort(), 500) : undefined;
      }
    });
  } finally {
    if (stopping) clearTimeout(stopping);
  }
  return 0;
}
