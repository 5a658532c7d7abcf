import "server-only";
import { z } from "zod";
import * as api from "@/lib/api";
import * as protocol from "@/lib/protocol";
import type { Access } from "@/server/auth/principal";
import * as operations from "@/lib/api/operations";

/**
 * The OpenAPI 3.1 document, generated with z.toJSONSchema from the very schemas the routes parse
 * with, plus this table of routes (method, path, who, request, response). A route added without a
 * line here is missing from the document; test/api checks every line answers.
 */
export interface RouteDoc {
  method: "get" | "post" | "put" | "delete";
  path: string;
  access: Access;
  summary: string;
  request?: z.ZodType;
  /** query parameters, documented from the schema the route parses them with */
  query?: z.ZodObject;
  requestTypes?: string[];
  response?: z.ZodType;
  responseType?: string;
}

export const ROUTE_DOCS: RouteDoc[] = [
  { method: "post", path: "/jobs", access: "operator", summary: "Submit a job (text/markdown job file or JSON {manifest, body})", request: api.submitJobJson, requestTypes: ["application/json", "text/markdown"], response: api.jobView },
  { method: "get", path: "/jobs", access: "viewer", summary: "List jobs (filters, sort=createdAt|updatedAt|priority|stage|title, order=asc|desc, cursor of that sort)", query: api.listJobsQuery, response: api.jobPage },
  { method: "get", path: "/jobs/{id}", access: "viewer", summary: "A job with its runs, lease and last decision", response: api.jobView },
  { method: "get", path: "/jobs/{id}/events", access: "viewer", summary: "The job's append-only event log", response: api.eventList },
  { method: "get", path: "/jobs/{id}/stream", access: "viewer", summary: "SSE of events and log lines (Last-Event-ID resumes)", responseType: "text/event-stream" },
  { method: "post", path: "/jobs/{id}/actions", access: "operator", summary: "approve, ship, reject, requeue, cancel, pause, resume", request: api.jobActionRequest, response: api.jobView },
  { method: "get", path: "/dag", access: "viewer", summary: "Jobs and dependency edges", response: api.dagView },
  { method: "post", path: "/factories", access: "enrollment", summary: "Register a factory (enrollment token)", request: protocol.registerRequest, response: protocol.registerResponse },
  { method: "get", path: "/factories", access: "viewer", summary: "Factories with health", response: api.factoryList },
  { method: "put", path: "/factories/{id}/heartbeat", access: "factory", summary: "Heartbeat of that factory", request: protocol.heartbeatRequest, response: protocol.heartbeatResponse },
  { method: "post", path: "/factories/{id}/drain", access: "operator", summary: "Stop claiming, finish in-flight work", response: api.factoryView },
  { method: "post", path: "/factories/{id}/revoke", access: "admin", summary: "Revoke the factory's token; its work returns to the queue", response: api.factoryView },
  { method: "post", path: "/leases/claim", access: "factory", summary: "Claim a job (long poll up to 30 s; 204 on timeout)", request: protocol.claimRequest, response: protocol.claimResponse },
  { method: "post", path: "/leases/{id}/renew", access: "factory", summary: "Renew a lease (fenced by epoch)", request: protocol.renewRequest, response: protocol.renewResponse },
  { method: "post", path: "/leases/{id}/events", access: "factory", summary: "Append agent events (fenced, idempotent on seq)", request: protocol.agentEventsRequest },
  { method: "post", path: "/leases/{id}/complete", access: "factory", summary: "Report the attempt's result (fenced, once per epoch)", request: protocol.completeRequest },
  { method: "get", path: "/profiles", access: "viewer", summary: "Profiles and their versions" },
  { method: "get", path: "/profiles/{name}", access: "viewer", summary: "One profile" },
  { method: "get", path: "/kill-switch", access: "viewer", summary: "The kill switch", response: api.killSwitchView },
  { method: "post", path: "/kill-switch", access: "admin", summary: "Stop (or resume) all claiming fleet-wide", request: api.killSwitchRequest, response: api.killSwitchView },
  { method: "get", path: "/tokens", access: "admin", summary: "API tokens" },
  { method: "post", path: "/tokens", access: "admin", summary: "Create an API token (shown once)", request: api.createApiTokenRequest, response: api.createdApiToken },
  { method: "delete", path: "/tokens/{id}", access: "admin", summary: "Revoke an API token", response: api.apiTokenView },
  { method: "get", path: "/users", access: "admin", summary: "People who can sign in, with their roles", response: api.userList },
  { method: "put", path: "/users/{id}", access: "admin", summary: "Change a user's role (next request); 409 for the last admin", request: api.setUserRoleRequest, response: api.userView },
  { method: "post", path: "/products/{id}/pause", access: "admin", summary: "Pause (or resume) claims of one product's jobs; running work finishes", request: api.productPauseRequest, response: api.productPauseView },
  { method: "get", path: "/alerts", access: "admin", summary: "Alert sinks (secrets only as set), open alerts, the latest deliveries" },
  { method: "put", path: "/alerts/sinks", access: "admin", summary: "Set where alerts go (webhook, Slack, e-mail recipients, quiet period)", request: operations.alertSinksRequest },
  { method: "post", path: "/alerts/test", access: "admin", summary: "Send a test alert to every configured sink now" },
  { method: "post", path: "/alerts/deliveries/{id}/retry", access: "admin", summary: "Retry an undelivered alert now" },
  { method: "get", path: "/stats", access: "viewer", summary: "Queue depth, utilisation, pass rate, cost, open alerts", response: api.statsView },
  { method: "get", path: "/stream", access: "viewer", summary: "Fleet-wide SSE for the dashboard", responseType: "text/event-stream" },
  { method: "get", path: "/metrics", access: "metrics", summary: "Prometheus text format (viewer or metrics token)", responseType: "text/plain" },
  { method: "get", path: "/healthz", access: "public", summary: "Liveness and store reachability (503 when the store is down)" },
  { method: "get", path: "/openapi.json", access: "public", summary: "This document" },
];

function schema(s: z.ZodType): unknown {
  return z.toJSONSchema(s, { io: "input", unrepresentable: "any" });
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

let cached: unknown;

export function openApiDocument(): unknown {
  if (cached) return cached;
  const paths: Record<string, Record<string, unknown>> = {};
  const problem = { "application/problem+json": { schema: schema(api.problemSchema) } };
  for (const r of ROUTE_DOCS) {
    const params = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
    if (r.query) {
      const q = schema(r.query) as { properties?: Record<string, unknown> };
      for (const [name, sch] of Object.entries(q.properties ?? {})) params.push({ name, in: "query", required: false, schema: sch as { type: string } });
    }
    const op: Record<string, unknown> = {
      summary: r.summary,
      "x-access": r.access,
      security: SECURITY[r.access],
      ...(params.length ? { parameters: params } : {}),
      responses: {
        [r.method === "post" && (r.path === "/jobs" || r.path === "/factories" || r.path === "/tokens") ? "201" : "200"]: {
          description: "OK",
          ...(r.response ? { content: { "application/json": { schema: schema(r.response) } } } : r.responseType ? { content: { [r.responseType]: {} } } : {}),
        },
        "400": { description: "Invalid request (each field named)", content: problem },
        "401": { description: "Not authenticated", content: problem },
        "403": { description: "Not allowed", content: problem },
        "409": { description: "Conflict, lease_lost, cancelled or illegal transition", content: problem },
        "413": { description: "Body too large", content: problem },
        "415": { description: "Wrong content type", content: problem },
        "503": { description: "Store busy or unreachable (Retry-After)", content: problem },
      },
    };
    if (r.request) {
      const types = r.requestTypes ?? ["application/json"];
      op.requestBody = {
        required: true,
        content: Object.fromEntries(types.map((t) => [t, t === "application/json" ? { schema: schema(r.request!) } : { schema: { type: "string" } }])),
      };
    }
    (paths[`/api/fleet${r.path}`] ??= {})[r.method] = op;
  }
  cached = {
    openapi: "3.1.0",
    info: { title: "Gigafactory coordinator API", version: "0.1.0" },
    components: {
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
  return cached;
}
