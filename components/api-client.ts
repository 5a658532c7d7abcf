/**
 * Browser-side calls to `/api/fleet/*` (components may not import server/: they talk HTTP like any
 * other client). Errors come back as problem+json; `ApiError` carries the status and field problems.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly problems: { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

async function toError(res: Response): Promise<ApiError> {
  let detail = res.statusText || `HTTP ${res.status}`;
  let problems: { path: string; message: string }[] = [];
  try {
    const body = (await res.json()) as { title?: string; detail?: string; errors?: { path: string; message: string }[] };
    detail = body.detail || body.title || detail;
    problems = Array.isArray(body.errors) ? body.errors : [];
  } catch {
    // not JSON: keep the status text
  }
  return new ApiError(res.status, detail, problems);
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

export function postAction(jobId: string, action: string, reason?: string) {
  return sendJson<unknown>("POST", `/api/fleet/jobs/${encodeURIComponent(jobId)}/actions`, { action, reason });
}
