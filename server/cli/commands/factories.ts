import type { FactoryView } from "@/lib/api/admin";
import type { CliIo } from "../io";
import { clientFrom, CliError, guarded } from "./api-client";
import { needPositional, parseFlags, printJson, printTable } from "./flags";

/** `fleet factories`: the Fleet page's factory list and its Drain / Revoke / Approve buttons. */
export const usage = `usage: fleet factories [ls] [--json]
       fleet factories show ID [--json]
       fleet factories drain ID      stop claiming, finish in-flight work (operator)
       fleet factories revoke ID     its token stops working; leases are reaped (admin)
       fleet factories approve ID    let a pending factory claim work (admin)
  --json prints the API's body.
`;

const free = (f: FactoryView) => f.free.map((s) => `${s.engine}:${s.slots}`).join(",") || "-";
const stations = (f: FactoryView) => f.stations.map((s) => `${s.engine}:${s.slots}`).join(",") || "-";
const row = (f: FactoryView) => [f.id, f.name, f.health, `${f.running}`, `${stations(f)} (free ${free(f)})`, `${Math.round(f.secondsSinceHeartbeat)}s ago`];
const HEADER = ["ID", "NAME", "HEALTH", "RUNNING", "STATIONS", "HEARTBEAT"];

export function run(args: string[], io: CliIo): Promise<number> {
  return guarded(io, async () => {
    const p = parseFlags(args, [], ["--json"], usage);
    const [sub = "ls"] = p.positional;
    const client = clientFrom(io);
    const json = p.switches.has("--json");
    switch (sub) {
      case "ls":
      case "show": {
        const r = await client.request<{ items: FactoryView[] }>("GET", "/factories");
        if (sub === "ls") {
          if (json) printJson(io, r);
          else printTable(io, HEADER, r.items.map(row), "no factories (register one: fleet-agent --server URL --token-file FILE)");
          return 0;
        }
        const id = needPositional(p, 1, "ID (a factory id, as `fleet factories` lists them)", usage);
        const f = r.items.find((x) => x.id === id || x.name === id);
        if (!f) throw new CliError(`no factory "${id}"; \`fleet factories\` lists them`);
        if (json) printJson(io, f);
        else {
          printTable(io, HEADER, [row(f)], "");
          io.stdout(`os ${f.os}/${f.arch}  version ${f.version}  status ${f.status}  load ${f.load}  $${f.costPerHour}/h\n`);
          io.stdout(`capabilities ${f.capabilities.join(", ") || "-"}${f.warm.length ? `  warm ${f.warm.join(", ")}` : ""}\n`);
        }
        return 0;
      }
      case "drain":
      case "revoke":
      case "approve": {
        const id = needPositional(p, 1, "ID (a factory id, as `fleet factories` lists them)", usage);
        const f = await client.request<FactoryView>("POST", `/factories/${encodeURIComponent(id)}/${sub}`);
        if (json) printJson(io, f);
        else io.stdout(`${f.id} ${f.status}\n`);
        return 0;
      }
      default:
        throw new CliError(`unknown subcommand "${sub}" (ls, show, drain, revoke, approve)\n${usage}`);
    }
  });
}
