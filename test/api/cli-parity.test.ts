import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { routeSpecs } from "@/app/api/fleet/openapi.json/routes";
import { JOB_ACTIONS } from "@/lib/api/jobs";
import { CLI_TABLE, cliReference, NOT_IN_CLI } from "@/server/cli/commands-table";
import { COMMANDS } from "@/server/cli/fleet";

/**
 * CLI parity (issue 18 §1): every API route and job action has a `fleet` command in the one table
 * (server/cli/commands-table.ts), or an explicit, reasoned exclusion for machine-only routes. The
 * route set is the route registry the OpenAPI document is generated from (routes.test keeps it
 * complete), so a new route without a CLI command fails here.
 */
const key = (method: string, p: string) => `${method} ${p}`;
const apiRoutes = () => new Set(routeSpecs().map((s) => key(s.method, s.path)));

describe("one table keeps CLI, web and API in step", () => {
  it("every API route has a CLI command or a reasoned exclusion", () => {
    const covered = new Set([...CLI_TABLE.map((r) => key(r.method, r.path)), ...NOT_IN_CLI.map((x) => x.route)]);
    expect([...apiRoutes()].filter((r) => !covered.has(r)).sort()).toEqual([]);
  });

  it("every job action has a CLI command", () => {
    const actions = new Set(CLI_TABLE.map((r) => r.action).filter(Boolean));
    expect(JOB_ACTIONS.filter((a) => !actions.has(a))).toEqual([]);
  });

  it("no row or exclusion names a route that does not exist, and none is both", () => {
    const routes = apiRoutes();
    expect(CLI_TABLE.filter((r) => !routes.has(key(r.method, r.path))).map((r) => r.command)).toEqual([]);
    expect(NOT_IN_CLI.filter((x) => !routes.has(x.route)).map((x) => x.route)).toEqual([]);
    const inTable = new Set(CLI_TABLE.map((r) => key(r.method, r.path)));
    expect(NOT_IN_CLI.filter((x) => inTable.has(x.route)).map((x) => x.route)).toEqual([]);
    for (const x of NOT_IN_CLI) expect(x.why.length, x.route).toBeGreaterThan(10);
    // an action row is exactly the actions route
    for (const r of CLI_TABLE) if (r.action) expect(key(r.method, r.path)).toBe("POST /jobs/{id}/actions");
  });

  it("each row's command exists in fleet and answers --help", () => {
    const names = new Set(COMMANDS.map((c) => c.name));
    expect(CLI_TABLE.map((r) => r.command.split(" ")[0]!).filter((n) => !names.has(n))).toEqual([]);
    for (const r of CLI_TABLE) expect(r.web, r.command).toMatch(/page/);
  });

  it("every API path the web calls (components/**) has a CLI command", () => {
    const root = path.resolve(__dirname, "../../components");
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) => {
        const full = path.join(dir, n);
        if (statSync(full).isDirectory()) return files(full);
        return /\.tsx?$/.test(n) && !/\.test\.tsx?$/.test(n) ? [full] : [];
      });
    // a route's path as a pattern: `{id}` is one segment; the artifact name may hold folders
    const pattern = (p: string) => new RegExp(`^${p.replace(/\{name\}$/, ".+").replace(/\{\w+\}/g, "[^/]+")}$`);
    const cliPaths = [...new Set(CLI_TABLE.map((r) => r.path))].map((p) => ({ p, re: pattern(p) }));
    const calls = new Map<string, string>();
    for (const f of files(root)) {
      for (const m of readFileSync(f, "utf8").matchAll(/\/api\/fleet(\/[^"'`\s?]*)/g)) {
        // `/${…}` is a path segment; `${…}` glued to a segment is a query string built elsewhere
        const called = m[1]!.replace(/\/\$\{[^}]*\}/g, "/X").replace(/\$\{[^}]*\}/g, "").replace(/\/$/, "");
        if (called.includes("*") || called === "") continue; // a comment naming the whole API
        calls.set(called, path.relative(root, f));
      }
    }
    expect(calls.size).toBeGreaterThan(10);
    const missing = [...calls].filter(([c]) => !cliPaths.some(({ re }) => re.test(c))).map(([c, f]) => `${c} (${f})`);
    expect(missing).toEqual([]);
  });

  it("the README's CLI section is the table", () => {
    const readme = readFileSync(path.resolve(__dirname, "../../README.md"), "utf8");
    expect(readme, "regenerate: node -e 'console.log(cliReference())' between the cli-table markers").toContain(cliReference());
  });
});
