import type { CliIo } from "../io";
import { clientFrom, guarded } from "./api-client";
import { needPositional, parseFlags, printJson, printTable, wholeNumber } from "./flags";

/** `fleet events ID`: the job page's timeline (stage moves, gates, runs), oldest first. */
export const usage = "usage: fleet events ID [--after SEQ] [--limit N] [--json]\n";

interface Event {
  seq: number;
  type: string;
  at: string;
  data: unknown;
}

const brief = (d: unknown) => {
  const s = d === undefined || d === null ? "" : JSON.stringify(d);
  return s.length > 100 ? `${s.slice(0, 97)}...` : s;
};

export function run(args: string[], io: CliIo): Promise<number> {
  return guarded(io, async () => {
    const p = parseFlags(args, ["--after", "--limit"], ["--json"], usage);
    const id = needPositional(p, 0, "ID (the job's id, as `fleet ls` shows it)", usage);
    const q = new URLSearchParams();
    const after = wholeNumber(p, "--after");
    const limit = wholeNumber(p, "--limit");
    if (after !== undefined) q.set("after", String(after));
    if (limit !== undefined) q.set("limit", String(limit));
    const r = await clientFrom(io).request<{ items: Event[] }>("GET", `/jobs/${encodeURIComponent(id)}/events${q.size ? `?${q}` : ""}`);
    if (p.switches.has("--json")) return printJson(io, r), 0;
    printTable(io, ["SEQ", "AT", "TYPE", "DATA"], r.items.map((e) => [`${e.seq}`, e.at, e.type, brief(e.data)]), "no events");
    return 0;
  });
}
