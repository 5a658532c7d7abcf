import "server-only";
import type { NextRequest } from "next/server";
import type { z } from "zod";
import { authorize, type Access, type Principal } from "@/server/auth/principal";
import { services, type Services } from "@/server/wiring";
import { checkResponses, env } from "@/server/env";
import { mediaType, parseJsonText, readBodyBytes, readBodyText } from "./body";
import { driftResponse, jsonDrift, problemDrift, rawDrift } from "./check";
import { FleetError } from "@/server/errors";
import { fieldProblems, problemResponse, toFleetError } from "./errors";
import type { Responses, SpecCore } from "./spec";

/**
 * The ONE route builder. Every /api/fleet route is `export const POST = route({...spec, handler})`:
 * it authenticates and authorizes (in the handler, never only in middleware), checks the content
 * type and size, reads and zod-parses the path, query and body, runs the handler, and maps every
 * error to application/problem+json in one place. Handlers return data (200 JSON), `reply(...)` for
 * another status, `undefined` for 204, or a ready Response (streams, text); the types hold each to
 * the route's declared `responses`, and check mode (check.ts) holds the bytes to them as well. The
 * spec rides on the handler (`GET.spec`): the OpenAPI document is generated from it (openapi.ts).
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

export interface Call<P, Q, B, J, A extends Access, St extends boolean> {
  req: NextRequest;
  params: P;
  principal: PrincipalFor<A>;
  body: B;
  /** POST /jobs only: the job file or `{manifest, body}` as sent, for the coordinator to parse */
  jobBody: J extends z.ZodType ? JobBody : undefined;
  query: Q;
  /** the body's bytes, for a route with `rawBody` (its media type already checked) */
  raw: Uint8Array | undefined;
  services: St extends false ? undefined : Services;
}

export class Reply<S extends number = number, D = unknown> {
  constructor(
    readonly status: S,
    readonly data: D,
    readonly headers?: Record<string, string>,
  ) {}
}

export function reply<S extends number, D>(status: S, data: D, headers?: Record<string, string>): Reply<S, D> {
  return new Reply(status, data, headers);
}

/** The JSON a declared answer carries (its schema's wire shape), or never for a non-JSON answer. */
type JsonOf<R> = R extends { type: "application/json"; schema: infer S extends z.ZodType } ? z.input<S> : never;
/**
 * What a handler may return, checked against its own `responses`: the 200 body as is, `reply(status,
 * body)` for another declared status, `undefined` when 204 is declared, or a ready Response.
 */
type HandlerResult<Rs extends Responses> =
  | (200 extends keyof Rs ? JsonOf<Rs[200]> : never)
  | { [K in keyof Rs & number]: Reply<K, JsonOf<Rs[K]>> }[keyof Rs & number]
  | (204 extends keyof Rs ? undefined : never)
  | Response;

export interface RouteSpec<P, Q, B, J extends z.ZodType | undefined, A extends Access, Rs extends Responses, St extends boolean>
  extends Omit<SpecCore<A>, "params" | "query" | "body" | "jobBody" | "responses" | "store"> {
  params?: z.ZodType<P> & z.ZodObject;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  jobBody?: J;
  responses: Rs;
  store?: St;
  handler: (call: Call<P, Q, B, J, A, St>) => Promise<HandlerResult<Rs>> | HandlerResult<Rs>;
}

type RouteContext = { params: Promise<Record<string, string | string[] | undefined>> };

/** A route handler as Next calls it, carrying its spec (app/api/fleet/openapi.json lists them). */
export type RouteHandler = ((req: NextRequest, context: RouteContext) => Promise<Response>) & { spec: SpecCore };

export function route<
  P = Record<string, never>,
  Q = undefined,
  B = undefined,
  J extends z.ZodType | undefined = undefined,
  A extends Access = Access,
  Rs extends Responses = Responses,
  St extends boolean = true,
>(spec: RouteSpec<P, Q, B, J, A, Rs, St>): RouteHandler {
  const core = spec as unknown as SpecCore;
  const handle = async function handle(req: NextRequest, context: RouteContext): Promise<Response> {
    const path = new URL(req.url).pathname;
    let check = false;
    try {
      check = checkResponses(env());
      const svc =
        spec.store === false
          ? undefined
          : await services().catch(() => {
              throw new FleetError("unavailable", "the coordinator is starting or its store is unreachable");
            });
      const principal = (svc ? await authorize(req, spec.access, svc.auth) : undefined) as PrincipalFor<A>;
      const params = parseParams(spec.params, await context.params) as P;
      const query = spec.query ? parseQuery(spec.query, req) : (undefined as Q);
      const maxBytes = spec.maxBodyBytes ?? svc?.env.FLEET_MAX_BODY_BYTES ?? 0;
      const jobBody = (spec.jobBody ? await readJobBody(req, maxBytes) : undefined) as Call<P, Q, B, J, A, St>["jobBody"];
      const body = spec.body ? await readJson(spec.body, req, maxBytes) : (undefined as B);
      const raw = spec.rawBody ? (requireMediaType(req, [...spec.rawBody.mediaTypes]), await readBodyBytes(req, maxBytes)) : undefined;
      const services_ = svc as Call<P, Q, B, J, A, St>["services"];
      const result: unknown = await spec.handler({ req, params, principal, body, jobBody, query, raw, services: services_ });
      if (result instanceof Response) return check ? (answerDrift(rawDrift(core, result)) ?? result) : result;
      if (result === undefined) {
        const res = new Response(null, { status: 204, headers: { "cache-control": "no-store, no-transform" } });
        return check ? (answerDrift(rawDrift(core, res)) ?? res) : res;
      }
      const [status, data, headers] = result instanceof Reply ? [result.status, result.data, result.headers] : [200, result, undefined];
      if (check) {
        const drift = answerDrift(jsonDrift(core, status, data));
        if (drift) return drift;
      }
      return json(data, status, headers);
    } catch (e) {
      const err = toFleetError(e, { method: req.method, path });
      if (check) {
        const drift = answerDrift(problemDrift(core, err.code));
        if (drift) return drift;
      }
      return problemResponse(err);
    }
  };
  return Object.assign(handle, { spec: core });
}

function answerDrift(message: string | undefined): Response | undefined {
  return message === undefined ? undefined : driftResponse(message);
}

/** Next's params (a catch-all segment is an array) → strings, parsed with the route's schema. */
function parseParams(schema: z.ZodType | undefined, raw: Record<string, string | string[] | undefined> | undefined): unknown {
  const flat = Object.fromEntries(Object.entries(raw ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.join("/") : (v ?? "")]));
  if (!schema) return flat;
  const r = schema.safeParse(flat);
  if (!r.success) throw new FleetError("validation", "invalid path", { errors: fieldProblems(r.error.issues, "(path)") });
  return r.data;
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
