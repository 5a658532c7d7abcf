import type { CliIo } from "../io";
import { clientFrom, guarded, requireArg } from "./api-client";

export const usage = "usage: fleet show ID\n  Prints the job (manifest, stage, runs, lease, last decision) as JSON.\n";

export function run(args: string[], io: CliIo): Promise<number> {
  return guarded(io, async () => {
    const id = requireArg(args, "ID", usage);
    io.stdout(JSON.stringify(await clientFrom(io).request("GET", `/jobs/${encodeURIComponent(id)}`), null, 2) + "\n");
    return 0;
  });
}
