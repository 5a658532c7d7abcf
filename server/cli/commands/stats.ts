import type { CliIo } from "../io";
import { clientFrom, guarded } from "./api-client";
import { one, parseFlags, printJson, printTable } from "./flags";

/** `fleet stats`: the Overview page's figures: queue depth per stage, paused products, alerts. */
export const usage = "usage: fleet stats [--product ID] [--json]\n";

interface Stats {
  queueDepth: Record<string, number>;
  pausedProducts: string[];
  alerts: { kind: string; subject: string; message: string; since: string }[];
}

export function run(args: string[], io: CliIo): Promise<number> {
  return guarded(io, async () => {
    const p = parseFlags(args, ["--product"], ["--json"], usage);
    const product = one(p, "--product");
    const s = await clientFrom(io).request<Stats>("GET", `/stats${product ? `?product=${encodeURIComponent(product)}` : ""}`);
    if (p.switches.has("--json")) return printJson(io, s), 0;
    printTable(io, ["STAGE", "JOBS"], Object.entries(s.queueDepth).map(([k, v]) => [k, `${v}`]), "no jobs");
    io.stdout(`paused products: ${s.pausedProducts.join(", ") || "none"}\n`);
    printTable(io, ["ALERT", "SUBJECT", "SINCE", "MESSAGE"], s.alerts.map((a) => [a.kind, a.subject, a.since, a.message]), "no alerts");
    return 0;
  });
}
