import "server-only";
import { log } from "@/server/log";
import { FleetError, type FleetErrorCode } from "@/server/errors";
import { problemResponse } from "./errors";
import { errorCodes, type SpecCore } from "./spec";

/**
 * Check mode (FLEET_CHECK_RESPONSES; on in tests and development): every answer is held to what its
 * route declares (status, media type, JSON schema, problem code). A drift is logged and answered with
 * a 500 that names it, so a test sees it at once instead of a client meeting it later. Off in
 * production: parsing each answer again costs more than the answer (a 500-row job page).
 */
function where(spec: SpecCore): string {
  return `${spec.method} /api/fleet${spec.path}`;
}

export function jsonDrift(spec: SpecCore, status: number, data: unknown): string | undefined {
  const doc = spec.responses[status];
  if (!doc) return `${where(spec)} answered ${status}, which its spec does not declare`;
  if (doc.type !== "application/json" || !doc.schema) return `${where(spec)} answered ${status} with JSON, declared ${doc.type ?? "no body"}`;
  const r = doc.schema.safeParse(data);
  if (r.success) return undefined;
  const issues = r.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  return `${where(spec)} ${status} does not match its declared schema: ${issues.join("; ")}`;
}

export function rawDrift(spec: SpecCore, res: Response): string | undefined {
  const doc = spec.responses[res.status];
  if (!doc) return `${where(spec)} answered ${res.status}, which its spec does not declare`;
  const type = (res.headers.get("content-type") ?? "").split(";")[0]!.trim();
  const allowed = doc.mediaTypes ?? (doc.type ? [doc.type] : []);
  if (doc.type === undefined ? res.body !== null : !allowed.includes(type)) {
    return `${where(spec)} answered ${res.status} as ${type || "no body"}, declared ${allowed.join(" | ") || "no body"}`;
  }
  return undefined;
}

export function problemDrift(spec: SpecCore, code: FleetErrorCode): string | undefined {
  return errorCodes(spec).includes(code) ? undefined : `${where(spec)} refused with ${code}, which its spec does not declare (errors: [...])`;
}

export function driftResponse(message: string): Response {
  log.error({ drift: message }, "response drift");
  return problemResponse(new FleetError("internal", `response drift: ${message}`));
}
