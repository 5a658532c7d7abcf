import type { CliIo } from "../io";
import { clientFrom, guarded } from "./api-client";

export const usage = "usage: fleet ls [--stage S[,S…]] [--json]\n  Lists jobs, newest first.\n";

interface Item {
  id: string;
  stage: string;
  priority: string;
  title: string;
  lease?: { factoryId: string };
}

export function run(args: string[], io: CliIo): Promise<number> {
  return guarded(io, async () => {
    const at = args.indexOf("--stage");
    const stage = at >= 0 ? args[at + 1] : undefined;
    const r = await clientFrom(io).request<{ items: Item[] }>("GET", `/jobs?limit=200${stage ? `&stage=${encodeURIComponent(stage)}` : ""}`);
    if (args.includes("--json")) {
      io.stdout(JSON.stringify(r.items, null, 2) + "\n");
      return 0;
    }
    for (const j of r.items) io.stdout(`${j.id}  ${j.stage.padEnd(11)} ${j.priority.padEnd(8)} ${j.lease ? `@${j.lease.factoryId} ` : ""}${j.title}\n`);
    if (r.items.length === 0) io.stdout("no jobs\n");
    return 0;
  });
}
