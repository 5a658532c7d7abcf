import type { CliIo } from "../io";
import { clientFrom, guarded } from "./api-client";
import { parseFlags, printJson, printTable } from "./flags";

/** `fleet profiles [NAME]`: the Profiles page: agent profiles the fleet knows, or one of them. */
export const usage = "usage: fleet profiles [NAME] [--json]\n";

interface Profile {
  name: string;
  version: string;
  persona: string;
  description?: string;
  capabilities: string[];
}
const row = (p: Profile) => [p.name, p.version, p.persona, p.capabilities.join(",") || "-", p.description ?? ""];
const HEADER = ["NAME", "VERSION", "PERSONA", "NEEDS", "DESCRIPTION"];

export function run(args: string[], io: CliIo): Promise<number> {
  return guarded(io, async () => {
    const p = parseFlags(args, [], ["--json"], usage);
    const client = clientFrom(io);
    const name = p.positional[0];
    const body = name ? await client.request<Profile>("GET", `/profiles/${encodeURIComponent(name)}`) : await client.request<{ items: Profile[] }>("GET", "/profiles");
    if (p.switches.has("--json")) return printJson(io, body), 0;
    const items = "items" in body ? body.items : [body];
    printTable(io, HEADER, items.map(row), "no profiles");
    return 0;
  });
}
