import "server-only";
import { z } from "zod";
import { problemSchema } from "@/lib/api/problem";
import type { OpenApiView } from "@/lib/api/system";
import type { Access } from "@/server/auth/principal";
import type { FleetErrorCode } from "@/server/errors";
import { FLEET_ERROR_STATUS } from "./errors";
import { errorCodes, pathParams, type SpecCore } from "./spec";

/**
 * The OpenAPI 3.1 document, generated from the routes' own specs (server/http/spec.ts): the paths,
 * parameters, bodies and every answer, with z.toJSONSchema of the very schemas the route builder
 * parses and checks with. Nothing here lists routes: app/api/fleet/openapi.json/routes.ts gathers the
 * route modules and a test fails when a route file is missing from it or has no spec.
 */
function schema(s: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(s, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return rest;
}

const SECURITY: Record<Access, unknown[]> = {
  public: [],
  viewer: [{ session: [] }, { apiToken: [] }],
  operator: [{ session: [] }, { apiToken: [] }],
  admin: [{ session: [] }, { apiToken: [] }],
  factory: [{ factoryToken: [] }],
  enrollment: [{ enrollmentToken: [] }],
  metrics: [{ session: [] }, { apiToken: [] }, { metricsToken: [] }],
};

/** The problem answers of a route, one per status, naming the codes behind it. */
function problemResponses(spec: SpecCore): Record<string, unknown> {
  const byStatus = new Map<number, FleetErrorCode[]>();
  for (const code of errorCodes(spec)) {
    const status = FLEET_ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const problem = { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } };
  return Object.fromEntries(
    [...byStatus].sort(([a], [b]) => a - b).map(([status, codes]) => [String(status), { description: `problem+json, code ${codes.join(" | ")}`, content: problem }]),
  );
}

function parameters(spec: SpecCore): unknown[] {
  const out: unknown[] = [];
  const params = spec.params ? (schema(spec.params).properties as Record<string, unknown> | undefined) : undefined;
  for (const name of pathParams(spec.path)) out.push({ name, in: "path", required: true, schema: params?.[name] ?? { type: "string" } });
  if (spec.query) {
    const q = schema(spec.query) as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, sch] of Object.entries(q.properties ?? {})) {
      out.push({ name, in: "query", required: q.required?.includes(name) ?? false, schema: sch });
    }
  }
  return out;
}

function operation(spec: SpecCore): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, doc] of Object.entries(spec.responses)) {
    responses[status] = {
      description: doc.description,
      ...(doc.mediaTypes ? { content: Object.fromEntries(doc.mediaTypes.map((t) => [t, { schema: { type: "string", format: "binary" } }])) } : {}),
      ...(doc.type && !doc.mediaTypes ? { content: { [doc.type]: doc.schema ? { schema: schema(doc.schema) } : { schema: { type: "string" } } } } : {}),
    };
  }
  Object.assign(responses, problemResponses(spec));
  const params = parameters(spec);
  const op: Record<string, unknown> = {
    operationId: `${spec.method.toLowerCase()}${spec.path.replace(/[{}]/g, "").replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? "").toUpperCase())}`,
    summary: spec.summary,
    "x-access": spec.access,
    security: SECURITY[spec.access],
    ...(params.length ? { parameters: params } : {}),
    responses,
  };
  if (spec.body) op.requestBody = { required: true, content: { "application/json": { schema: schema(spec.body) } } };
  if (spec.rawBody) {
    op.requestBody = {
      required: true,
      description: spec.rawBody.description,
      content: Object.fromEntries(spec.rawBody.mediaTypes.map((t) => [t, { schema: { type: "string", format: "binary" } }])),
    };
  }
  if (spec.jobBody) {
    op.requestBody = {
      required: true,
      content: { "application/json": { schema: schema(spec.jobBody) }, "text/markdown": { schema: { type: "string", description: "a job file (CONTRACT §1)" } } },
    };
  }
  return op;
}

export function openApiDocument(specs: readonly SpecCore[]): OpenApiView {
  const paths: Record<string, Record<string, unknown>> = {};
  const sorted = [...specs].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  for (const spec of sorted) (paths[`/api/fleet${spec.path}`] ??= {})[spec.method.toLowerCase()] = operation(spec);
  return {
    openapi: "3.1.0",
    info: { title: "Gigafactory coordinator API", version: "0.1.0" },
    components: {
      schemas: { Problem: schema(problemSchema) },
      securitySchemes: {
        session: { type: "apiKey", in: "cookie", name: "next-auth.session-token" },
        apiToken: { type: "http", scheme: "bearer", description: "gfa_… API token or FLEET_ADMIN_TOKEN" },
        factoryToken: { type: "http", scheme: "bearer", description: "gff_… factory token" },
        enrollmentToken: { type: "http", scheme: "bearer", description: "the enrollment token" },
        metricsToken: { type: "http", scheme: "bearer", description: "FLEET_METRICS_TOKEN" },
      },
    },
    paths,
  };
}
