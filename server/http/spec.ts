import "server-only";
import type { z } from "zod";
import type { Access } from "@/server/auth/principal";
import type { FleetErrorCode } from "@/server/errors";

/**
 * What a route declares about itself: method, path, who, what it reads and every answer it gives.
 * The route builder parses requests with these schemas and (in check mode) validates each answer
 * against them; the OpenAPI document is generated from the same specs, so the two cannot disagree.
 */
export const METHODS = ["GET", "POST", "PUT", "DELETE"] as const;
export type Method = (typeof METHODS)[number];

/** One answer of a route: a JSON body with its schema, a text or event stream, or no body at all. */
export interface ResponseDoc<S extends z.ZodType | undefined = z.ZodType | undefined> {
  description: string;
  /** the media type; absent = no body (204) */
  type?: "application/json" | "text/plain" | "text/event-stream" | "application/octet-stream";
  /** application/json: the body; text/event-stream: one message `{event, data}` (lib/api/stream.ts) */
  schema?: S;
  /** application/octet-stream: the media types the bytes may be served as (a stored artifact's type) */
  mediaTypes?: readonly string[];
}

export type Responses = { [status: number]: ResponseDoc };

export interface JsonResponseDoc<S extends z.ZodType> extends ResponseDoc<S> {
  type: "application/json";
  schema: S;
}

export const json = <S extends z.ZodType>(schema: S, description: string): JsonResponseDoc<S> => ({
  description,
  type: "application/json",
  schema,
});
export const noContent = (description: string): ResponseDoc<undefined> => ({ description });
export const plainText = (description: string): ResponseDoc<undefined> => ({ description, type: "text/plain" });
/** Raw bytes served as one of `mediaTypes` (check mode holds the answer to the list). */
export const bytes = (mediaTypes: readonly string[], description: string): ResponseDoc<undefined> => ({ description, type: "application/octet-stream", mediaTypes });
export const eventStream = <S extends z.ZodType>(schema: S, description: string): ResponseDoc<S> => ({
  description,
  type: "text/event-stream",
  schema,
});

export interface SpecCore<A extends Access = Access> {
  method: Method;
  /** under /api/fleet, with `{name}` for a path parameter; a test checks it against the route file's folder */
  path: string;
  access: A;
  summary: string;
  params?: z.ZodObject;
  query?: z.ZodType;
  body?: z.ZodType;
  /** POST /jobs: `text/markdown` or JSON of this schema, parsed by the coordinator (lib/manifest) */
  jobBody?: z.ZodType;
  /** a raw body (an artifact chunk): its allowed media types; the handler gets the bytes as `raw` */
  rawBody?: { mediaTypes: readonly string[]; description: string };
  responses: Responses;
  /** codes the handler itself may refuse with, beyond those the builder adds (see errorCodes) */
  errors?: readonly FleetErrorCode[];
  /** a body limit of its own (the lease routes: lib/limits LEASE_BODY_BYTES), else FLEET_MAX_BODY_BYTES */
  maxBodyBytes?: number;
  /** false: the route needs no store (the OpenAPI document, the ping baseline) */
  store?: boolean;
}

/**
 * Every problem code a route can answer with: what the builder itself may refuse (auth, input,
 * body limits, a store that is down) plus what the spec declares. Check mode refuses any other.
 */
export function errorCodes(spec: SpecCore): FleetErrorCode[] {
  const codes = new Set<FleetErrorCode>(["internal"]);
  if (spec.store !== false) codes.add("unavailable").add("busy");
  if (spec.access !== "public") codes.add("unauthorized").add("forbidden");
  if (spec.params || spec.query || spec.body || spec.jobBody || spec.rawBody) codes.add("validation");
  if (spec.body || spec.jobBody || spec.rawBody) codes.add("payload_too_large").add("unsupported_media_type");
  for (const c of spec.errors ?? []) codes.add(c);
  return [...codes];
}

/** `/jobs/{id}` → ["id"] */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
}
