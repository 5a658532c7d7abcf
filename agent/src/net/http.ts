/**
 * A minimal JSON-over-HTTP request on `node:http` / `node:https`, used instead of the global
 * `fetch`. Why: an idle agent is a long-lived process on every factory, and the first `fetch` call
 * loads Node's bundled undici (plus its wasm HTTP parser), which costs ≈ 9–10 MB of resident
 * memory for the life of the process; `node:http` uses the native parser that is already there
 * (≈ 1.5 MB). `node:https` (and TLS) is loaded only when the coordinator URL is https.
 *
 * Connections are kept alive (the claim long poll reuses its socket). A request that fails with
 * ECONNRESET/EPIPE on a *reused* socket is sent once more on a fresh one: the server closed an idle
 * keep-alive connection just as we wrote to it, so the request never reached a handler (the
 * standard Node recipe; every agent write is fenced or idempotent anyway).
 */
import http from "node:http";
import type https from "node:https";

export interface HttpResponse {
  status: number;
  ok: boolean;
  /** the body as text (already read in full) */
  text: string;
  json(): unknown;
}

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  timeoutMs: number;
}

/** The largest response body the agent reads (claim responses carry a manifest and a prompt). */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

let httpAgent: http.Agent | undefined;
let httpsModule: Promise<{ mod: typeof https; agent: https.Agent }> | undefined;

async function transport(url: URL): Promise<{ request: typeof http.request; agent: http.Agent }> {
  if (url.protocol === "https:") {
    httpsModule ??= import("node:https").then((m) => {
      const mod = (m as { default?: typeof https }).default ?? (m as typeof https);
      return { mod, agent: new mod.Agent({ keepAlive: true, maxFreeSockets: 2 }) };
    });
    const { mod, agent } = await httpsModule;
    return { request: mod.request as typeof http.request, agent };
  }
  httpAgent ??= new http.Agent({ keepAlive: true, maxFreeSockets: 2 });
  return { request: http.request, agent: httpAgent };
}

/** Sends one request; rejects on network failure, timeout or abort (never on an HTTP status). */
export async function httpRequest(r: HttpRequest): Promise<HttpResponse> {
  const url = new URL(r.url);
  const t = await transport(url);
  try {
    return await once(r, url, t);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if ((e as { reusedSocket?: boolean }).reusedSocket && (code === "ECONNRESET" || code === "EPIPE") && !r.signal?.aborted) {
      return once(r, url, t);
    }
    throw e;
  }
}

function once(r: HttpRequest, url: URL, t: { request: typeof http.request; agent: http.Agent }): Promise<HttpResponse> {
  return new Promise<HttpResponse>((resolve, reject) => {
    if (r.signal?.aborted) return reject(abortError(r.signal));
    const headers: Record<string, string | number> = { ...r.headers };
    if (r.body !== undefined) headers["content-length"] = Buffer.byteLength(r.body);
    const req = t.request(url, { method: r.method, headers, agent: t.agent });
    let settled = false;
    const finish = (err: Error | undefined, res?: HttpResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      r.signal?.removeEventListener("abort", onAbort);
      if (err) {
        (err as { reusedSocket?: boolean }).reusedSocket = req.reusedSocket;
        reject(err);
      } else resolve(res!);
    };
    const onAbort = () => {
      const err = abortError(r.signal!);
      req.destroy(err);
      finish(err);
    };
    const timer = setTimeout(() => {
      const err = new Error(`timed out after ${r.timeoutMs} ms`);
      err.name = "TimeoutError";
      req.destroy(err);
      finish(err);
    }, r.timeoutMs);
    r.signal?.addEventListener("abort", onAbort, { once: true });
    req.on("error", (e) => finish(e));
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_RESPONSE_BYTES) {
          req.destroy();
          finish(new Error(`response larger than ${MAX_RESPONSE_BYTES} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on("error", (e) => finish(e));
      res.on("aborted", () => finish(new Error("response aborted")));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const status = res.statusCode ?? 0;
        finish(undefined, { status, ok: status >= 200 && status < 300, text, json: () => JSON.parse(text) as unknown });
      });
    });
    req.end(r.body);
  });
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const err = new Error("the operation was aborted");
  err.name = "AbortError";
  return err;
}
