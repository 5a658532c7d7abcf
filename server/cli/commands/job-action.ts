import type { CliIo } from "../io";
import { clientFrom, guarded, requireArg } from "./api-client";

/**
 * `fleet ship|requeue ID [--reason TEXT]`: the operator actions are one POST to
 * /jobs/{id}/actions each, so every such command is built here from its action name.
 */
export function jobActionCommand(action: "ship" | "requeue") {
  const usage = `usage: fleet ${action} ID [--reason TEXT]\n`;
  function run(args: string[], io: CliIo): Promise<number> {
    return guarded(io, async () => {
      const id = requireArg(args, "ID", usage);
      const at = args.indexOf("--reason");
      const reason = at >= 0 ? args[at + 1] : undefined;
      const job = await clientFrom(io).request<{ id: string; stage: string }>(
        "POST",
        `/jobs/${encodeURIComponent(id)}/actions`,
        { json: { action, ...(reason ? { reason } : {}) } },
      );
      io.stdout(`${job.id} ${job.stage}\n`);
      return 0;
    });
  }
  return { usage, run };
}
