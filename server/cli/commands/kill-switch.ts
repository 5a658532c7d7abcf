import type { CliIo } from "../io";
import { clientFrom, CliError, guarded } from "./api-client";
import { one, parseFlags, printJson } from "./flags";

export const usage = `usage: fleet kill-switch on|off [--reason TEXT] [--json]
       fleet kill-switch [status] [--json]
  on: no factory may claim work, fleet-wide (admin). status: whether it is on, why, by whom (viewer).
`;

interface KillSwitch {
  on: boolean;
  reason: string;
  by?: string;
  at?: string;
}

export function run(args: string[], io: CliIo): Promise<number> {
  return guarded(io, async () => {
    const p = parseFlags(args, ["--reason"], ["--json"], usage);
    const [mode = "status"] = p.positional;
    if (mode !== "on" && mode !== "off" && mode !== "status") throw new CliError(`unknown mode "${mode}" (on, off, status)\n${usage}`);
    const client = clientFrom(io);
    const k =
      mode === "status"
        ? await client.request<KillSwitch>("GET", "/kill-switch")
        : await client.request<KillSwitch>("POST", "/kill-switch", { json: { on: mode === "on", reason: one(p, "--reason") ?? "" } });
    if (p.switches.has("--json")) printJson(io, k);
    else io.stdout(`kill switch ${k.on ? "ON" : "off"}${k.reason ? `: ${k.reason}` : ""}${mode === "status" && k.by ? ` (${k.by}${k.at ? ` at ${k.at}` : ""})` : ""}\n`);
    return 0;
  });
}
