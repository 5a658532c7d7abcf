import type { CliIo } from "../fleet";
import { clientFrom, guarded, requireArg } from "./api-client";

export const usage = "usage: fleet requeue ID [--reason TEXT]\n";

export function run(args: string[], io: CliIo): Promise<number> {
  return guarded(io, async () => {
    const id = requireArg(args, "ID", usage);
    const at = args.indexOf("--reason");
    const reason = at >= 0 ? args[at + 1] : undefined;
    const job = await clientFrom(io).request<{ id: string; stage: string }>("POST", `/jobs/${encodeURIComponent(id)}/actions`, {
      json: { action: "requeue", ...(reason ? { reason } : {}) },
    });
    io.stdout(`${job.id} ${job.stage}\n`);
    return 0;
  });
}
