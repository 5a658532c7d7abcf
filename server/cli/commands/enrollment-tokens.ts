import type { CliIo } from "../fleet";
import { clientFrom, CliError, guarded } from "./api-client";

export const usage = `usage: fleet enrollment-tokens [ls] [--json]
       fleet enrollment-tokens create NAME [--expires DURATION] [--uses N]
       fleet enrollment-tokens revoke ID
  Enrollment tokens let machines register as factories (admin). create prints the token once;
  --expires (e.g. 7d, 12h) ends it, --uses N allows N registrations. Factories it registered keep
  their own tokens after a revoke.
`;

interface TokenView {
  id: string;
  name: string;
  state: string;
  uses: number;
  maxUses?: number;
  expiresAt?: string;
  token?: string;
}

const line = (t: TokenView) =>
  `${t.id}  ${t.state.padEnd(8)} ${`${t.uses}${t.maxUses !== undefined ? `/${t.maxUses}` : ""} uses`.padEnd(12)} ${t.expiresAt ? `until ${t.expiresAt}  ` : ""}${t.name}\n`;

function option(args: string[], flag: string): string | undefined {
  const at = args.indexOf(flag);
  if (at < 0) return undefined;
  const v = args[at + 1];
  if (v === undefined || v.startsWith("--")) throw new CliError(`${flag} needs a value\n${usage}`);
  return v;
}

export function run(args: string[], io: CliIo): Promise<number> {
  return guarded(io, async () => {
    const client = clientFrom(io);
    const [sub = "ls", ...rest] = args[0]?.startsWith("--") ? ["ls", ...args] : args;
    switch (sub) {
      case "ls": {
        const r = await client.request<{ items: TokenView[] }>("GET", "/enrollment-tokens");
        if (rest.includes("--json")) io.stdout(JSON.stringify(r.items, null, 2) + "\n");
        else if (r.items.length === 0) io.stdout("no enrollment tokens (FLEET_ENROLLMENT_TOKEN still works)\n");
        else for (const t of r.items) io.stdout(line(t));
        return 0;
      }
      case "create": {
        const name = rest.filter((a, i) => !a.startsWith("--") && !(i > 0 && rest[i - 1]!.startsWith("--"))).join(" ");
        if (!name) throw new CliError(`name the token\n${usage}`);
        const expires = option(rest, "--expires");
        const uses = option(rest, "--uses");
        if (uses !== undefined && !/^\d+$/.test(uses)) throw new CliError(`--uses must be a whole number, not "${uses}"`);
        const t = await client.request<TokenView>("POST", "/enrollment-tokens", {
          json: { name, ...(expires !== undefined ? { expiresIn: expires } : {}), ...(uses !== undefined ? { maxUses: Number(uses) } : {}) },
        });
        io.stdout(line(t));
        io.stdout(`token (shown once): ${t.token}\nregister a machine: fleet-agent --server ${client.server} --token-file FILE (the file holds the token)\n`);
        return 0;
      }
      case "revoke": {
        const id = rest.find((a) => !a.startsWith("--"));
        if (!id) throw new CliError(`which token? give its id\n${usage}`);
        io.stdout(line(await client.request<TokenView>("DELETE", `/enrollment-tokens/${encodeURIComponent(id)}`)));
        return 0;
      }
      default:
        throw new CliError(`unknown subcommand "${sub}"\n${usage}`);
    }
  });
}
