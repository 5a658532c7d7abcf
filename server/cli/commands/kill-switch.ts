import type { CliIo } from "../io";
import { clientFrom, CliError, guarded } from "./api-client";

export const usage = "usage: fleet kill-switch on|off [--reason TEXT]\n  on: no factory may claim work, fleet-wide (admin).\n";

export function run(args: string[], io: CliIo): Promise<number> {
  return guarded(io, async () => {
    const mode = args[0];
    if (mode !== "on" && mode !== "off") throw new CliError(usage);
    const at = args.indexOf("--reason");
    const reason = at >= 0 ? (args[at + 1] ?? "") : "";
    const k = await clientFrom(io).request<{ on: boolean; reason: string }>("POST", "/kill-switch", { json: { on: mode === "on", reason } });
    io.stdout(`kill switch ${k.on ? "ON" : "off"}${k.reason ? `: ${k.reason}` : ""}\n`);
    return 0;
  });
}
