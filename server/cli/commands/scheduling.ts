import { readFile } from "node:fs/promises";
import path from "node:path";
import type { CliIo } from "../io";
import { clientFrom, CliError, guarded } from "./api-client";
import { parseFlags, printJson, printTable } from "./flags";

/** `fleet scheduling`: the Admin page's scheduler weights and SLA targets. */
export const usage = `usage: fleet scheduling [show] [--json]
       fleet scheduling set FILE.json [--json]
  FILE.json is the PUT /scheduling body, e.g. {"weights": {"age": 2}, "slaMs": {"high": 600000}};
  each part given replaces the saved one ({} falls back to the environment and defaults). Admin only.
`;

interface Settings {
  weights: Record<string, { value: number; default: number; from: string }>;
  slaMs: Record<string, { value: number; default: number; from: string }>;
  updatedAt?: string;
}

function human(io: CliIo, s: Settings): void {
  const rows = [
    ...Object.entries(s.weights).map(([k, v]) => [`weight ${k}`, `${v.value}`, `${v.default}`, v.from]),
    ...Object.entries(s.slaMs).map(([k, v]) => [`sla ${k} (ms)`, `${v.value}`, `${v.default}`, v.from]),
  ];
  printTable(io, ["SETTING", "VALUE", "DEFAULT", "FROM"], rows, "no settings");
}

export function run(args: string[], io: CliIo): Promise<number> {
  return guarded(io, async () => {
    const p = parseFlags(args, [], ["--json"], usage);
    const [sub = "show", file] = p.positional;
    const client = clientFrom(io);
    let s: Settings;
    if (sub === "show") s = await client.request<Settings>("GET", "/scheduling");
    else if (sub === "set") {
      if (!file) throw new CliError(`missing FILE.json (the settings to save)\n${usage}`);
      let body: unknown;
      try {
        body = JSON.parse(await readFile(path.resolve(io.cwd, file), "utf8"));
      } catch (e) {
        throw new CliError(`FILE ${file}: ${e instanceof Error ? e.message : String(e)}`);
      }
      s = await client.request<Settings>("PUT", "/scheduling", { json: body });
    } else throw new CliError(`unknown subcommand "${sub}" (show, set)\n${usage}`);
    if (p.switches.has("--json")) printJson(io, s);
    else human(io, s);
    return 0;
  });
}
