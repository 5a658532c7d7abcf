import { ROLES } from "@/lib/api/roles";
import type { UserView } from "@/lib/api/users";
import type { CliIo } from "../io";
import { clientFrom, CliError, guarded } from "./api-client";
import { needPositional, parseFlags, printJson, printTable } from "./flags";

/** `fleet users`: the Admin page's people and their roles. */
export const usage = `usage: fleet users [ls] [--json]
       fleet users role ID ${ROLES.join("|")} [--json]
  A new role takes effect on that user's next request. Admin only.
`;

const row = (u: UserView) => [u.id, u.role, u.provider ?? "-", u.email ?? "-", u.name];
const HEADER = ["ID", "ROLE", "PROVIDER", "EMAIL", "NAME"];

export function run(args: string[], io: CliIo): Promise<number> {
  return guarded(io, async () => {
    const p = parseFlags(args, [], ["--json"], usage);
    const [sub = "ls"] = p.positional;
    const client = clientFrom(io);
    const json = p.switches.has("--json");
    switch (sub) {
      case "ls": {
        const r = await client.request<{ items: UserView[] }>("GET", "/users");
        if (json) printJson(io, r);
        else printTable(io, HEADER, r.items.map(row), "no users");
        return 0;
      }
      case "role": {
        const id = needPositional(p, 1, "ID (as `fleet users` lists them)", usage);
        const role = needPositional(p, 2, `ROLE (${ROLES.join(", ")})`, usage);
        if (!(ROLES as readonly string[]).includes(role)) throw new CliError(`ROLE must be one of ${ROLES.join(", ")}, not "${role}"`);
        const u = await client.request<UserView>("PUT", `/users/${encodeURIComponent(id)}`, { json: { role } });
        if (json) printJson(io, u);
        else printTable(io, HEADER, [row(u)], "");
        return 0;
      }
      default:
        throw new CliError(`unknown subcommand "${sub}" (ls, role)\n${usage}`);
    }
  });
}
