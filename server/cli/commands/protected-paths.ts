import type { ProtectedPathsView } from "@/lib/api/protected-paths";
import type { CliIo } from "../io";
import { clientFrom, CliError, guarded } from "./api-client";
import { parseFlags, printJson, printTable } from "./flags";

/**
 * `fleet protected-paths`: the Admin page's protected paths, globs a change may touch only with a
 * reviewer's approval (`review-policy: auto` cannot ship it). The API checks every glob.
 */
export const usage = `usage: fleet protected-paths [show] [--json]
       fleet protected-paths set [--glob GLOB]... [--no-globs] [--product ID=GLOB,GLOB]... [--json]
  --glob (repeatable) replaces the fleet-wide list; --no-globs empties it.
  --product ID=GLOB,… replaces that product's list (ID= clears it); other products are kept.
  Reading needs a viewer; set needs an admin.
`;

function human(io: CliIo, v: ProtectedPathsView): void {
  const rows = [...v.globs.map((g) => ["(fleet)", g]), ...Object.entries(v.products).flatMap(([p, gs]) => gs.map((g) => [p, g]))];
  printTable(io, ["SCOPE", "GLOB"], rows, "no protected paths");
  if (v.updatedAt) io.stdout(`updated ${v.updatedAt}${v.by ? ` by ${v.by}` : ""}\n`);
}

export function run(args: string[], io: CliIo): Promise<number> {
  return guarded(io, async () => {
    const p = parseFlags(args, ["--glob", "--product"], ["--json", "--no-globs"], usage);
    const [sub = "show"] = p.positional;
    const client = clientFrom(io);
    const json = p.switches.has("--json");
    if (sub === "show") {
      const v = await client.request<ProtectedPathsView>("GET", "/protected-paths");
      if (json) printJson(io, v);
      else human(io, v);
      return 0;
    }
    if (sub !== "set") throw new CliError(`unknown subcommand "${sub}" (show, set)\n${usage}`);
    const globs = p.values.get("--glob");
    if (globs && p.switches.has("--no-globs")) throw new CliError("--glob and --no-globs contradict each other: give one");
    const body: { globs?: string[]; products?: Record<string, string[]> } = {};
    if (globs) body.globs = globs;
    if (p.switches.has("--no-globs")) body.globs = [];
    const products = p.values.get("--product");
    if (products) {
      // The API replaces the products part whole, so start from what is saved and change only the named ones.
      const current = await client.request<ProtectedPathsView>("GET", "/protected-paths");
      const merged: Record<string, string[]> = { ...current.products };
      for (const spec of products) {
        const eq = spec.indexOf("=");
        if (eq <= 0) throw new CliError(`--product needs ID=GLOB,GLOB (or ID= to clear), not "${spec}"`);
        const list = spec.slice(eq + 1).split(",").map((g) => g.trim()).filter((g) => g !== "");
        const id = spec.slice(0, eq);
        if (list.length) merged[id] = list;
        else delete merged[id];
      }
      body.products = merged;
    }
    if (Object.keys(body).length === 0) throw new CliError(`nothing to set: give --glob, --no-globs or --product\n${usage}`);
    const v = await client.request<ProtectedPathsView>("PUT", "/protected-paths", { json: body });
    if (json) printJson(io, v);
    else human(io, v);
    return 0;
  });
}
