import { JOB_SORT_KEYS, JOB_TRACKER_FILTERS, SORT_ORDERS } from "@/lib/api/jobs";
import type { CliIo } from "../io";
import { clientFrom, CliError, guarded } from "./api-client";
import { one, parseFlags, printJson, wholeNumber } from "./flags";

/** `fleet ls`: the Jobs page's list with its filters and sort (GET /jobs; the API checks each value). */
export const usage = `usage: fleet ls [--stage S[,S…]] [--product P] [--profile P] [--factory F] [--q TEXT]
               [--tracker ${JOB_TRACKER_FILTERS.join("|")}] [--item ID] [--sort ${JOB_SORT_KEYS.join("|")}]
               [--order asc|desc] [--limit N] [--json]
  Lists jobs, newest first (up to 200 unless --limit).
`;

interface Item {
  id: string;
  stage: string;
  priority: string;
  title: string;
  lease?: { factoryId: string };
}

/** flag → GET /jobs query parameter */
const FILTERS: Record<string, string> = { "--stage": "stage", "--product": "product", "--profile": "profile", "--factory": "factory", "--q": "q", "--tracker": "tracker", "--item": "item", "--sort": "sort", "--order": "order" };

export function run(args: string[], io: CliIo): Promise<number> {
  return guarded(io, async () => {
    const p = parseFlags(args, [...Object.keys(FILTERS), "--limit"], ["--json"], usage);
    if (p.positional.length) throw new CliError(`ls takes no arguments, only options (got "${p.positional[0]}")\n${usage}`);
    const order = one(p, "--order");
    if (order !== undefined && !(SORT_ORDERS as readonly string[]).includes(order)) throw new CliError(`--order must be asc or desc, not "${order}"`);
    const q = new URLSearchParams({ limit: String(wholeNumber(p, "--limit") ?? 200) });
    for (const [flag, param] of Object.entries(FILTERS)) {
      const v = one(p, flag);
      if (v !== undefined) q.set(param, v);
    }
    const r = await clientFrom(io).request<{ items: Item[] }>("GET", `/jobs?${q}`);
    if (p.switches.has("--json")) {
      printJson(io, r.items);
      return 0;
    }
    for (const j of r.items) io.stdout(`${j.id}  ${j.stage.padEnd(11)} ${j.priority.padEnd(8)} ${j.lease ? `@${j.lease.factoryId} ` : ""}${j.title}\n`);
    if (r.items.length === 0) io.stdout("no jobs\n");
    return 0;
  });
}
