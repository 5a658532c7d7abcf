import { fleetStreamMessage, parseStreamMessage } from "@/lib/api/stream";
import { terminalSafe } from "@/lib/terminal-safe";
import type { CliIo } from "../io";
import { clientFrom, guarded } from "./api-client";
import { parseFlags, wholeNumber } from "./flags";
import { followSse } from "./sse-follow";

/**
 * `fleet watch`: the fleet map's live feed (GET /stream) as lines: every job event fleet-wide and
 * every factory heartbeat, as they happen (the stream first replays recent history). `--count N`
 * stops after N messages, for scripts; otherwise it runs until interrupted.
 */
export const usage = `usage: fleet watch [--json] [--count N]
  One line per message: job events fleet-wide and factory heartbeats, live (viewer).
  --json prints each message as one JSON line: {"event": "job"|"factory", "data": …}.
`;

const brief = (d: unknown) => {
  const s = d === undefined || d === null ? "" : JSON.stringify(d);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
};

export function run(args: string[], io: CliIo): Promise<number> {
  return guarded(io, async () => {
    const p = parseFlags(args, ["--count"], ["--json"], usage);
    const count = wholeNumber(p, "--count");
    const json = p.switches.has("--json");
    // job event data carries text from jobs: keep a terminal from obeying it
    const print = io.stdoutIsTty ? (t: string) => io.stdout(terminalSafe(t)) : (t: string) => io.stdout(t);
    const ctl = new AbortController();
    const res = await clientFrom(io).stream("/stream", ctl.signal);
    let seen = 0;
    await followSse(res, ctl.signal, (msg) => {
      if (ctl.signal.aborted) return;
      const m = parseStreamMessage(fleetStreamMessage, msg);
      if (!m) return; // a message this CLI does not know (a newer server): skip it, keep following
      if (json) print(JSON.stringify(m) + "\n");
      else if (m.event === "job") print(`${m.data.at}  job ${m.data.jobId}  ${m.data.type}  ${brief(m.data.data)}\n`);
      else print(`${m.data.at}  factory ${m.data.factoryId}  ${m.data.status}  load ${m.data.load}  running ${m.data.running}\n`);
      if (count !== undefined && ++seen >= count) ctl.abort();
    });
    return 0;
  });
}
