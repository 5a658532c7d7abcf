import type { CliIo } from "../io";
import { clientFrom, CliError, guarded } from "./api-client";
import { needPositional, one, parseFlags, printJson } from "./flags";

/** `fleet product pause|resume ID`: the Admin page's product pause (no new claims for its jobs). */
export const usage = `usage: fleet product pause ID [--reason TEXT] [--json]
       fleet product resume ID [--json]
  A paused product's queued jobs are not claimed; running ones finish (admin).
`;

export function run(args: string[], io: CliIo): Promise<number> {
  return guarded(io, async () => {
    const p = parseFlags(args, ["--reason"], ["--json"], usage);
    const sub = needPositional(p, 0, "pause or resume", usage);
    if (sub !== "pause" && sub !== "resume") throw new CliError(`unknown subcommand "${sub}" (pause, resume)\n${usage}`);
    const id = needPositional(p, 1, "ID (the product, as in a job file's `product:`)", usage);
    const r = await clientFrom(io).request<{ productId: string; paused: boolean; pausedProducts: string[] }>("POST", `/products/${encodeURIComponent(id)}/pause`, {
      json: { paused: sub === "pause", reason: one(p, "--reason") ?? "" },
    });
    if (p.switches.has("--json")) printJson(io, r);
    else io.stdout(`${r.productId} ${r.paused ? "paused" : "running"}; paused now: ${r.pausedProducts.join(", ") || "none"}\n`);
    return 0;
  });
}
