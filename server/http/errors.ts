import "server-only";
import { PROBLEM_CONTENT_TYPE, type Problem } from "@/lib/api/problem";
import type { FieldProblem } from "@/lib/types";
import { log } from "@/server/log";
import { FleetError, isFleetError, type FleetErrorCode } from "@/server/errors";
import { isStoreError, type StoreError, type StoreErrorCode } from "@/server/store/errors";

/**
 * The code → HTTP status map: the one place a FleetError (server/errors.ts) or a StoreError
 * (server/store/errors.ts) becomes a status and an application/problem+json body. The route builder
 * calls toFleetError + problemResponse; nothing below HTTP imports this file (eslint zones).
 */
export const FLEET_ERROR_STATUS = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  lease_lost: 409,
  cancelled: 409,
  illegal_transition: 409,
  cycle: 409,
  scope_violation: 409,
  approval_required: 409,
  budget_exceeded: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  busy: 503,
  unavailable: 503,
  internal: 500,
} as const satisfies Record<FleetErrorCode, number>;

/** Cross-bundle safe: store/errors isStoreError checks a brand, not instanceof. */
function asStoreError(e: unknown): StoreError | undefined {
  return isStoreError(e) ? e : undefined;
}

const TITLES: Record<FleetErrorCode, string> = {
  validation: "Invalid request",
  unauthorized: "Authentication required",
  forbidden: "Forbidden",
  not_found: "Not found",
  method_not_allowed: "Method not allowed",
  conflict: "Conflict",
  lease_lost: "Lease lost",
  cancelled: "Job cancelled",
  illegal_transition: "Illegal transition",
  cycle: "Dependency cycle",
  scope_violation: "Scope violation",
  approval_required: "Approval required",
  budget_exceeded: "Budget exceeded",
  payload_too_large: "Payload too large",
  unsupported_media_type: "Unsupported media type",
  rate_limited: "Too many requests",
  busy: "Store busy",
  unavailable: "Service unavailable",
  internal: "Internal error",
};

/** Store failures, as a client may see them: the store's own messages stay in the log. */
const STORE_TO_FLEET: Record<StoreErrorCode, { code: FleetErrorCode; message: string; errors?: FieldProblem[] }> = {
  conflict: { code: "conflict", message: "the resource changed or already exists" },
  not_found: { code: "not_found", message: "not found" },
  lease_lost: { code: "lease_lost", message: "the lease is no longer valid (stale epoch, expired or reassigned); stop this job" },
  cancelled: { code: "cancelled", message: "the job was cancelled; stop this job" },
  illegal_transition: { code: "illegal_transition", message: "the job's stage does not allow this" },
  busy: { code: "busy", message: "the store is busy; retry shortly" },
  invalid_cursor: {
    code: "validation",
    message: "the cursor is malformed or belongs to another sort; start from the first page",
    errors: [{ path: "cursor", message: "not a cursor of this sort and order" }],
  },
};

export function problemResponse(err: FleetError, headers?: HeadersInit): Response {
  const status = FLEET_ERROR_STATUS[err.code];
  const body: Problem & Record<string, unknown> = {
    type: `https://gigafactory.dev/problems/${err.code}`,
    title: TITLES[err.code],
    status,
    code: err.code,
    detail: err.message,
    ...(err.errors ? { errors: err.errors } : {}),
    ...(err.extra ?? {}),
  };
  const h = new Headers(headers);
  h.set("content-type", PROBLEM_CONTENT_TYPE);
  h.set("cache-control", "no-store");
  if (err.code === "busy" || err.code === "unavailable" || err.code === "rate_limited") {
    h.set("retry-after", String(Math.max(1, Math.ceil((err.retryAfterMs ?? 1000) / 1000))));
  }
  if (err.code === "unauthorized") h.set("www-authenticate", 'Bearer realm="gigafactory"');
  return new Response(JSON.stringify(body), { status, headers: h });
}

/** Any thrown value → the FleetError a client may see. Unknown errors are logged here, once. */
export function toFleetError(e: unknown, context: { method: string; path: string }): FleetError {
  if (isFleetError(e)) return e;
  const storeError = asStoreError(e);
  if (storeError) {
    const e = storeError;
    const mapped = STORE_TO_FLEET[e.code];
    const jobId = typeof e.details?.jobId === "string" ? { jobId: e.details.jobId } : undefined;
    return new FleetError(mapped.code, mapped.message, {
      ...(mapped.errors ? { errors: mapped.errors } : {}),
      ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}),
      ...(jobId ? { extra: jobId } : {}),
    });
  }
  log.error({ err: e, ...context }, "unhandled error in route");
  return new FleetError("internal", "internal error; the server log has the details");
}

/** zod issues → field problems (`retry.on[1]`), prefixed by where they came from. */
export function fieldProblems(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  root: "(body)" | "(query)" | "(path)" = "(body)",
): FieldProblem[] {
  return issues.map((i) => ({ path: formatPath(i.path, root), message: i.message }));
}

export function formatPath(path: readonly PropertyKey[], root = "(body)"): string {
  if (path.length === 0) return root;
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? String(seg) : `.${String(seg)}`;
  }
  return out;
}
