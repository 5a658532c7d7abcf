import { ROLES } from "@/lib/api/roles";
import type { CliIo } from "../io";
import { clientFrom, CliError, guarded } from "./api-client";
import { needPositional, one, parseFlags, printJson, printTable } from "./flags";

/** `fleet tokens`: the Admin page's API tokens (for people and scripts; factories enroll separately). */
export const usage = `usage: fleet tokens [ls] [--json]
       fleet tokens create NAME --role ${ROLES.join("|")} [--json]
       fleet tokens revoke ID [--json]
  create prints the token once: keep it (FLEET_TOKEN). Admin only.
`;

interface TokenView {
  id: string;
  name: string;
  role: string;
  createdAt: string;
  revokedAt?: string;
  token?: string;
}
const row = (t: TokenView) => [t.id, t.role, t.revokedAt ? `revoked ${t.revokedAt}` : "active", t.createdAt, t.name];
const HEADER = ["ID", "ROLE", "STATE", "CREATED", "NAME"];

export function run(args: string[], io: CliIo): Promise<number> {
  return guarded(io, async () => {
    const p = parseFlags(args, ["--role"], ["--json"], usage);
    const [sub = "ls"] = p.positional;
    const client = clientFrom(io);
    const json = p.switches.has("--json");
    switch (sub) {
      case "ls": {
        const r = await client.request<{ items: TokenView[] }>("GET", "/tokens");
        if (json) printJson(io, r);
        else printTable(io, HEADER, r.items.map(row), "no API tokens");
        return 0;
      }
      case "create": {
        const name = p.positional.slice(1).join(" ");
        if (!name) throw new CliError(`name the token (who or what uses it)\n${usage}`);
        const role = one(p, "--role");
        if (!role) throw new CliError(`--role is required: one of ${ROLES.join(", ")}`);
        if (!(ROLES as readonly string[]).includes(role)) throw new CliError(`--role must be one of ${ROLES.join(", ")}, not "${role}"`);
        const t = await client.request<TokenView>("POST", "/tokens", { json: { name, role } });
        if (json) printJson(io, t);
        else {
          printTable(io, HEADER, [row(t)], "");
          io.stdout(`token (shown once): ${t.token}\nuse it: FLEET_TOKEN=… fleet ls\n`);
        }
        return 0;
      }
      case "revoke": {
        const id = needPositional(p, 1, "ID (as `fleet tokens` lists them)", usage);
        const t = await client.request<TokenView>("DELETE", `/tokens/${encodeURIComponent(id)}`);
        if (json) printJson(io, t);
        else printTable(io, HEADER, [row(t)], "");
        return 0;
      }
      default:
        throw new CliError(`unknown subcommand "${sub}" (ls, create, revoke)\n${usage}`);
    }
  });
}
