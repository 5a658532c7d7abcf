/**
 * A tiny factory client for tests and the bench: the agent's side of CONTRACT §2, with no retries
 * and no cleverness, so a test sees exactly what the coordinator answered.
 */
// Tests read answers loosely on purpose: the assertions are the type checks.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function call<T = any>(
  url: string,
  opts: { method?: string; token?: string; json?: unknown; body?: string; contentType?: string; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined = opts.body;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers["content-type"] = "application/json";
  }
  if (opts.contentType) headers["content-type"] = opts.contentType;
  const r = await fetch(url, { method: opts.method ?? (body !== undefined ? "POST" : "GET"), headers, body, ...(opts.signal ? { signal: opts.signal } : {}) });
  const text = await r.text();
  let parsed: unknown = text;
  if ((r.headers.get("content-type") ?? "").includes("json") && text) parsed = JSON.parse(text);
  return { status: r.status, body: parsed as T, headers: r.headers };
}

export interface FactoryClient {
  factoryId: string;
  token: string;
  heartbeat(body?: Partial<{ load: number; free: { engine: string; slots: number }[]; running: { leaseId: string; epoch: number }[] }>): Promise<HttpResult>;
  claim(opts?: { waitMs?: number; free?: { engine: string; slots: number }[]; signal?: AbortSignal }): Promise<HttpResult>;
  renew(leaseId: string, epoch: number): Promise<HttpResult>;
  events(leaseId: string, epoch: number, events: Record<string, unknown>[]): Promise<HttpResult>;
  complete(leaseId: string, epoch: number, body: Record<string, unknown>): Promise<HttpResult>;
}

export const DEFAULT_FREE = [{ engine: "shell", slots: 1 }];

export async function registerFactory(
  baseUrl: string,
  enrollmentToken: string,
  opts: { name?: string; capabilities?: string[]; stations?: { engine: string; slots: number }[] } = {},
): Promise<FactoryClient> {
  const api = `${baseUrl}/api/fleet`;
  const r = await call<{ factoryId: string; token: string }>(`${api}/factories`, {
    token: enrollmentToken,
    json: {
      name: opts.name ?? `test-${Math.random().toString(36).slice(2, 8)}`,
      os: "linux",
      arch: "x64",
      capabilities: opts.capabilities ?? ["os:linux"],
      stations: opts.stations ?? DEFAULT_FREE,
      version: "0.0.0-test",
    },
  });
  if (r.status !== 201) throw new Error(`register failed: ${r.status} ${JSON.stringify(r.body)}`);
  return factoryClient(baseUrl, r.body.factoryId, r.body.token, opts.stations ?? DEFAULT_FREE);
}

/**
 * A client for an already registered factory at `baseUrl`: e.g. the same factory talking to another
 * app instance that shares the store (its token is valid on every instance).
 */
export function factoryClient(baseUrl: string, factoryId: string, token: string, free: { engine: string; slots: number }[] = DEFAULT_FREE): FactoryClient {
  const api = `${baseUrl}/api/fleet`;
  return {
    factoryId,
    token,
    heartbeat: (body = {}) =>
      call(`${api}/factories/${factoryId}/heartbeat`, { method: "PUT", token, json: { load: 0, free, running: [], ...body } }),
    claim: (o = {}) =>
      call(`${api}/leases/claim`, {
        token,
        json: { factoryId, free: o.free ?? free, ...(o.waitMs !== undefined ? { waitMs: o.waitMs } : {}) },
        ...(o.signal ? { signal: o.signal } : {}),
      }),
    renew: (leaseId, epoch) => call(`${api}/leases/${leaseId}/renew`, { token, json: { epoch } }),
    events: (leaseId, epoch, events) => call(`${api}/leases/${leaseId}/events`, { token, json: { epoch, events } }),
    complete: (leaseId, epoch, body) => call(`${api}/leases/${leaseId}/complete`, { token, json: { epoch, ...body } }),
  };
}

/** Submits a markdown job file as `token` (an operator or admin token); throws unless 201/200. */
export async function submitJob(baseUrl: string, token: string, text: string): Promise<{ id: string; stage: string }> {
  const r = await call<{ id: string; stage: string }>(`${baseUrl}/api/fleet/jobs`, { token, body: text, contentType: "text/markdown" });
  if (r.status !== 201) throw new Error(`submit failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export function jobFile(opts: { title?: string; manifest?: Record<string, string> } = {}): string {
  const fm = Object.entries({ engine: "shell", ...opts.manifest })
    .map(([k, v]) => `${k}: ${v}`)
    .join("\n");
  return `---\n${fm}\n---\n# ${opts.title ?? "a test job"}\n\nDo the thing.\n`;
}
