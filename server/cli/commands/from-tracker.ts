import type { CliIo } from "../io";
import { clientFrom, CliError, guarded } from "./api-client";

export const usage = "usage: fleet from-tracker ITEM\n  import one tracker item as a job: github:owner/repo#123 or linear:ENG-42 (idempotent: item id + content hash).\n";

interface Outcome {
  outcome: "created" | "existing" | "invalid" | "ignored";
  jobId?: string;
  errors?: { path: string; message: string }[];
  reason?: string;
}

export function run(args: string[], io: CliIo): Promise<number> {
  return guarded(io, async () => {
    const item = args[0];
    if (!item || args.length !== 1 || item.startsWith("-")) throw new CliError(usage);
    const o = await clientFrom(io).request<Outcome>("POST", "/tracker/import", { json: { item } });
    switch (o.outcome) {
      case "created":
        io.stdout(`${o.jobId}\tcreated from ${item}\n`);
        return 0;
      case "existing":
        io.stdout(`${o.jobId}\talready imported (same content): nothing new\n`);
        return 0;
      case "invalid":
        for (const e of o.errors ?? []) io.stderr(`${item}: ${e.path}: ${e.message}\n`);
        return 1;
      case "ignored":
        io.stderr(`${item}: not imported: ${o.reason ?? "ignored"}\n`);
        return 1;
    }
  });
}
