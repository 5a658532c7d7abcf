import type { CliIo } from "../io";
import { clientFrom, guarded } from "./api-client";
import { parseFlags, printJson, printTable } from "./flags";

/** `fleet trackers`: the Admin page's tracker status: each connection, and what would connect the rest. */
export const usage = "usage: fleet trackers [--json]\n  Admin only.\n";

interface Trackers {
  trackers: { kind: string; connection: { apiUrl: string; state?: string; webhookSecret: { state: string } } }[];
  unconfigured: { kind: string; hint: string }[];
  outboxPending: number;
}

export function run(args: string[], io: CliIo): Promise<number> {
  return guarded(io, async () => {
    const p = parseFlags(args, [], ["--json"], usage);
    const t = await clientFrom(io).request<Trackers>("GET", "/trackers");
    if (p.switches.has("--json")) return printJson(io, t), 0;
    const rows = [
      ...t.trackers.map((x) => [x.kind, x.connection.state ?? "connected", x.connection.apiUrl, `webhook secret ${x.connection.webhookSecret.state}`]),
      ...t.unconfigured.map((u) => [u.kind, "not configured", "-", u.hint]),
    ];
    printTable(io, ["TRACKER", "STATE", "API", "NOTE"], rows, "no trackers");
    io.stdout(`write-backs pending: ${t.outboxPending}\n`);
    return 0;
  });
}
