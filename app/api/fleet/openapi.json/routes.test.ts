import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { validate } from "@readme/openapi-parser";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "@/server/http/openapi";
import type { RouteHandler } from "@/server/http/route";
import { METHODS, pathParams } from "@/server/http/spec";
import { GET as openapiRoute } from "./route";
import { ROUTE_MODULES, routeSpecs } from "./routes";

const root = path.resolve(__dirname, "..");

function routeFiles(dir = root): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return routeFiles(full);
    return name === "route.ts" ? [path.relative(root, full)] : [];
  });
}

/** `jobs/[id]/actions/route.ts` → `/jobs/{id}/actions`; a catch-all `[...name]` is the one parameter `{name}` */
const apiPath = (file: string) => `/${path.dirname(file)}`.replace(/\[(?:\.\.\.)?(\w+)\]/g, "{$1}");

// CONTRACT §2, as written there: every one of these whose route file exists must be in the document.
const CONTRACT_ROUTES = [
  "POST /jobs", "GET /jobs", "GET /jobs/{id}", "GET /jobs/{id}/events", "GET /jobs/{id}/stream", "POST /jobs/{id}/actions",
  "GET /dag", "POST /factories", "GET /factories", "PUT /factories/{id}/heartbeat", "POST /factories/{id}/drain",
  "POST /leases/claim", "POST /leases/{id}/renew", "POST /leases/{id}/events", "POST /leases/{id}/complete",
  "GET /profiles", "GET /profiles/{name}", "POST /kill-switch", "GET /stats", "GET /metrics", "GET /healthz",
  "GET /jobs/{id}/logs", "GET /users", "PUT /users/{id}", "POST /products/{id}/pause", "POST /webhooks/github",
  "POST /webhooks/linear", "POST /runs/import", "GET /outcomes", "GET /scaling", "GET /recommendations", "GET /costs", "GET /insights",
];

describe("route specs", () => {
  const files = routeFiles();

  it("every route file under app/api/fleet is gathered for the document", () => {
    const gathered = new Set([...Object.keys(ROUTE_MODULES), "openapi.json/route.ts"]);
    expect(files.filter((f) => !gathered.has(f))).toEqual([]);
    expect([...gathered].filter((f) => !files.includes(f))).toEqual([]);
  });

  it("every exported method has a spec naming that method, the file's path and its path parameters", () => {
    const modules = { ...ROUTE_MODULES, "openapi.json/route.ts": { GET: openapiRoute } };
    let handlers = 0;
    for (const [file, mod] of Object.entries(modules)) {
      for (const [name, value] of Object.entries(mod)) {
        if (!(METHODS as readonly string[]).includes(name)) continue;
        handlers++;
        const spec = (value as Partial<RouteHandler>).spec;
        expect(spec, `${file} ${name} has no spec: build it with route({...})`).toBeDefined();
        expect(`${spec!.method} ${spec!.path}`).toBe(`${name} ${apiPath(file)}`);
        expect(Object.keys(spec!.params?.shape ?? {}).sort(), `${file}: params`).toEqual(pathParams(spec!.path).sort());
        expect(Object.keys(spec!.responses).length, `${file}: responses`).toBeGreaterThan(0);
      }
    }
    expect(handlers).toBe(routeSpecs().length + 1);
  });

  it("generates a valid OpenAPI 3.1 document listing every route, every answer and its problems", async () => {
    const doc = openApiDocument([...routeSpecs(), openapiRoute.spec]);
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? [] : result.errors).toEqual([]);
    const paths = doc.paths as Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
    const documented = Object.entries(paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace("/api/fleet", "")}`));
    const existing = new Set(routeSpecs().map((s) => `${s.method} ${s.path}`));
    for (const r of CONTRACT_ROUTES) if (existing.has(r)) expect(documented).toContain(r);
    expect(documented.length).toBe(routeSpecs().length + 1);
    // a viewer route answers 401/403 as problem+json; the job's 200 carries the jobView schema
    const job = paths["/api/fleet/jobs/{id}"]!.get!.responses;
    expect(Object.keys(job["401"]!.content!)).toEqual(["application/problem+json"]);
    expect(Object.keys(job["404"]!.content!)).toEqual(["application/problem+json"]);
    expect(JSON.stringify(job["200"]!.content!["application/json"])).toContain("blockedReasons");
  });
});
