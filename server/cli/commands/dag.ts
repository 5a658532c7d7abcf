import type { CliIo } from "../io";
import { clientFrom, guarded } from "./api-client";
import { parseFlags, printJson, printTable } from "./flags";

/** `fleet dag`: the DAG page's dependency graph, as edges (a job waits for the ones it needs). */
export const usage = "usage: fleet dag [--json]\n";

interface Dag {
  nodes: { id: string; title: string; stage: string }[];
  edges: { from: string; to: string }[];
}

export function run(args: string[], io: CliIo): Promise<number> {
  return guarded(io, async () => {
    const p = parseFlags(args, [], ["--json"], usage);
    const d = await clientFrom(io).request<Dag>("GET", "/dag");
    if (p.switches.has("--json")) return printJson(io, d), 0;
    const byId = new Map(d.nodes.map((n) => [n.id, n]));
    const label = (id: string) => `${id} (${byId.get(id)?.stage ?? "?"})`;
    printTable(io, ["JOB", "NEEDS"], d.edges.map((e) => [label(e.to), label(e.from)]), `${d.nodes.length} jobs, no dependencies`);
    return 0;
  });
}
