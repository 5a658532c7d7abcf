/**
 * Browser-side calls to `/api/fleet/*` (components may not import server/: they talk HTTP like any
 * other client). Errors come back as problem+json; `ApiError` carries the status, the field
 * problems and the whole problem as the UI reads it (`problem`: files, breaches, … of a refusal).
 */
import { problemText, toProblemView, type ProblemView } from "@/lib/ui/problem";
import type { Action } from "@/lib/stages";

export class ApiError extends Error {
  readonly problem: ProblemView;
  constructor(
    readonly status: number,
    message: string,
    readonly problems: { path: string; message: string }[] = [],
    problem?: ProblemView,
  ) {
    super(message);
    this.name = "ApiError";
    this.problem = problem ?? toProblemView(status, { detail: message, errors: problems });
  }
}

async function toError(res: Response): Promise<ApiError> {
  const fallback = res.statusText || `HTTP ${res.status}`;
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    // not JSON: keep the status text
  }
  const problem = toProblemView(res.status, body, fallback);
  const raw = (body as { errors?: unknown } | undefined)?.errors;
  return new ApiError(res.status, problem.summary, Array.isArray(raw) ? (raw as { path: string; message: string }[]) : [], problem);
}

/** Any thrown value as one line for a person: an API refusal keeps every field message. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) return problemText(e.problem);
  return e instanceof Error ? e.message : String(e);
}

/** Any thrown value as a problem (a network failure has status 0). */
export function problemOf(e: unknown): ProblemView {
  if (e instanceof ApiError) return e.problem;
  return toProblemView(0, undefined, e instanceof Error ? e.message : String(e));
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, { headers: { accept: "application/json" }, cache: "no-store", signal });
  if (!res.ok) throw await toError(res);
  return (await res.json()) as T;
}

export async function sendJson<T>(method: "POST" | "PUT" | "DELETE", path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: { "content-type": "application/json", accept: "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw await toError(res);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

export async function sendText<T>(path: string, contentType: string, text: string): Promise<T> {
  const res = await fetch(path, { method: "POST", headers: { "content-type": contentType, accept: "application/json" }, body: text });
  if (!res.ok) throw await toError(res);
  return (await res.json()) as T;
}

/**
 * `POST /jobs/{id}/actions` (lib/api/jobs.ts jobActionRequest): override and budget only where the
 * action takes them. `request_changes` (with its comment as `reason`) is the review loop's action.
 */
export interface ActionBody {
  action: Action | "request_changes";
  reason?: string;
  override?: boolean;
  budget?: { usd?: number; tokens?: number; wall?: number };
}

export function postAction(jobId: string, action: Action | ActionBody, reason?: string) {
  const body: ActionBody = typeof action === "string" ? { action, ...(reason ? { reason } : {}) } : action;
  return sendJson<unknown>("POST", `/api/fleet/jobs/${encodeURIComponent(jobId)}/actions`, body);
}
