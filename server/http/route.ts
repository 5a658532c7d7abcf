import "server-only";
import type { NextRequest } from "next/server";
import type { z } from "zod";
import { authorize, type Access, type Principal } from "@/server/auth/principal";
import { services, type Services } from "@/server/wiring";
import { mediaType, parseJsonText, readBodyText } from "./body";
import { FleetError, fieldProblems, problemResponse, toFleetError } from "./errors";

/**
 * The ONE route builder. Every /api/fleet route is `export const POST = route({...})`: it
 * authenticates and authorizes (in the handler, never only in middleware), checks the content type
 * and size, reads and zod-parses the body and query, runs the handler, and maps every error to
 * application/problem+json in one place. Handlers return data (200 JSON), `reply(...)` for another
 * status, `undefined` for 204, or a ready Response (streams, text).
 */
type PrincipalFor<A extends Access> = A extends "public"
  ? Principal | undefined
  : A extends "factory"
    ? Extract<Principal, { kind: "factory" }>
    : A extends "enrollment"
      ? Extract<Principal, { kind: "enrollment" }>
      : A extends "metrics"
        ? Extract<Principal, { kind: "person" | "metrics" }>
        : Extract<Principal, { kind: "person" }>;

export type JobBody = { kind: "markdown"; text: string } | { kind: "json"; value: unknown };

export interface Call<B, Q, A extends Access> {
  req: NextRequest;
  params: Record<string, string>;
  principal: PrincipalFor<A>;
  body: B;
  query: Q;
  services: Services;
}

interface RouteSpec<B, Q, A extends Access> {
  access: A;
  /** a JSON body parsed with this schema */
  body?: z.ZodType<B>;
  /** POST /jobs: `text/markdown` or `application/json`, parsed by the coordinator (lib/manifest) */
  jobBody?: true;
  query?: z.ZodType<Q>;
  /** a body limit of its own (the lease routes: lib/limits LEASE_BODY_BYTES), else FLEET_MAX_BODY_BYTES */
  maxBodyBytes?: number;
  handler: (call: Call<B, Q, A>) => Promise<unknown>;
}

export class Reply {
  constructor(
    readonly status: number,
    readonly data: unknown,
    readonly headers?: Record<string, string>,
  ) {}
}

export function reply(status: number, data: unknown, headers?: Record<string, string>): Reply {
  return new Reply(status, data, headers);
}

type RouteContext = { params: Promise<Record<string, string | string[] | undefined>> };

export function route<B = undefined, Q = undefined, A extends Access = Access>(spec: RouteSpec<B, Q, A>) {
  return async function handle(req: NextRequest, context: RouteContext): Promise<Response> {
    const path = new URL(req.url).pathname;
    try {
      const svc = await services().catch(() => {
        throw new FleetError("unavailable", "the coordinator is starting or its store is unreachable");
      });
      const principal = (await authorize(req, spec.access, svc.auth)) as PrincipalFor<A>;
      const rawParams = (await context.params) ?? {};
      const params = Object.fromEntries(Object.entries(rawParams).map(([k, v]) => [k, Array.isArray(v) ? v.join("/") : (v ?? "")]));
      const query = spec.query ? parseQuery(spec.query, req) : (undefined as Q);
      let body = undefined as B;
      const maxBytes = spec.maxBodyBytes ?? svc.env.FLEET_MAX_BODY_BYTES;
      if (spec.jobBody) body = (await readJobBody(req, maxBytes)) as B;
      else if (spec.body) body = await readJson(spec.body, req, maxBytes);
      const result = await spec.handler({ req, params, principal, body, query, services: svc });
      if (result instanceof Response) return result;
      if (result === undefined) return new Response(null, { status: 204, headers: { "cache-control": "no-store, no-transform" } });
      if (result instanceof Reply) return json(result.data, result.status, result.headers);
      return json(result, 200);
    } catch (e) {
      return problemResponse(toFleetError(e, { method: req.method, path }));
    }
  };
}

/**
 * Below this size a body is sent as is: Next gzips every response it streams (it knows no length to
 * compare with a threshold), which for the agents' small claim/renew/complete answers cost more CPU
 * than the whole handler. `no-transform` is what tells its compression to leave a response alone.
 */
const COMPRESS_FROM_BYTES = 1024;

function json(data: unknown, status: number, headers?: Record<string, string>): Response {
  const text = JSON.stringify(data);
  const cache = text.length < COMPRESS_FROM_BYTES ? "no-store, no-transform" : "no-store";
  return new Response(text, {
    status,
    headers: { "content-type": "application/json", "cache-control": cache, ...headers },
  });
}

function parseQuery<Q>(schema: z.ZodType<Q>, req: NextRequest): Q {
  const raw: Record<string, string> = {};
  for (const [k, v] of req.nextUrl.searchParams) raw[k] = v;
  const r = schema.safeParse(raw);
  if (!r.success) throw new FleetError("validation", "invalid query", { errors: fieldProblems(r.error.issues, "(query)") });
  return r.data;
}

function requireMediaType(req: NextRequest, allowed: string[]): string {
  const type = mediaType(req);
  if (!allowed.includes(type)) {
    throw new FleetError("unsupported_media_type", `send the body as ${allowed.join(" or ")}`, {
      errors: [{ path: "(header)", message: `content-type must be ${allowed.join(" or ")}, not ${type || "missing"}` }],
    });
  }
  return type;
}

async function readJson<B>(schema: z.ZodType<B>, req: NextRequest, maxBytes: number): Promise<B> {
  requireMediaType(req, ["application/json"]);
  const value = parseJsonText(await readBodyText(req, maxBytes));
  const r = schema.safeParse(value);
  if (!r.success) throw new FleetError("validation", "the body is not valid", { errors: fieldProblems(r.error.issues) });
  return r.data;
}

async function readJobBody(req: NextRequest, maxBytes: number): Promise<JobBody> {
  const type = requireMediaType(req, ["text/markdown", "application/json"]);
  const text = await readBodyText(req, maxBytes);
  return type === "text/markdown" ? { kind: "markdown", text } : { kind: "json", value: parseJsonText(text) };
}
