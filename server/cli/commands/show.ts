import type { CliIo } from "../io";
import { clientFrom, guarded } from "./api-client";
import { needPositional, parseFlags, printJson } from "./flags";

export const usage = "usage: fleet show ID [--json]\n  Prints the job (manifest, stage, runs, lease, last decision) as JSON, the API's body (--json is the same).\n";

export function run(args: string[], io: CliIo): Promise<number> {
  return guarded(io, async () => {
    const p = parseFlags(args, [], ["--json"], usage);
    const id = needPositional(p, 0, "ID (the job's id, as `fleet ls` shows it)", usage);
    printJson(io, await clientFrom(io).request("GET", `/jobs/${encodeURIComponent(id)}`));
    return 0;
  });
}
