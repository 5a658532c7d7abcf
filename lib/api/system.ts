import { z } from "zod";
import { STAGES } from "../types";

/** `GET /healthz`: 200 when the store answers, 503 (with Retry-After) when it does not. */
export const healthView = z.object({ ok: z.literal(true), store: z.string(), storeMs: z.number() });
export const healthDownView = z.object({ ok: z.literal(false), store: z.literal("unreachable") });

/** `GET /profiles/{name}` and each item of `GET /profiles`: what the API shows of a profile. */
export const profileSummary = z.looseObject({
  name: z.string(),
  version: z.string(),
  description: z.string().optional(),
  persona: z.string(),
  capabilities: z.array(z.string()),
});
export type ProfileSummary = z.input<typeof profileSummary>;
export const profileList = z.object({ items: z.array(profileSummary) });

/** `POST /leases/{id}/events`: how many events the request carried (repeats of a seq included). */
export const agentEventsAccepted = z.object({ accepted: z.number().int() });
/** `POST /leases/{id}/complete`: the stage the coordinator chose; `duplicate` for a repeated report. */
/** `late`: the lease had been reaped; the result was recorded on its attempt and the job was left where it is. */
export const completeAccepted = z.object({ stage: z.enum(STAGES), duplicate: z.boolean(), late: z.boolean().optional() });

/** `GET /openapi.json` (only its frame is held to a schema; the rest is OpenAPI 3.1 itself). */
export const openApiView = z.looseObject({ openapi: z.string(), info: z.object({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) });
export type OpenApiView = z.input<typeof openApiView>;
/** `GET /ping`: the benchmark's baseline. */
export const pingView = z.object({ ok: z.literal(true) });
