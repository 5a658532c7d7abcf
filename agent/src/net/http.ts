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
 *
 * Behind a corporate proxy (HTTPS_PROXY / HTTP_PROXY / NO_PROXY), http requests go to the proxy in
 * absolute form and https requests through a CONNECT tunnel; ./proxy.ts has the rules.
 */
import http from "node:http";
import type https from "node:https";
import net from "node:net";
import type tls from "node:tls";
import { openTunnel, proxyAuthorization, proxyFor, proxySettingsFrom, type ProxySettings } from "./proxy";

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
  /** text (JSON) or raw bytes (an artifact chunk) */
  body?: string | Uint8Array;
  signal?: AbortSignal;
  timeoutMs: number;
  /** proxy settings; default: this process's HTTPS_PROXY/HTTP_PROXY/NO_PROXY (./proxy.ts) */
  proxy?: ProxySettings;
}

/** The largest response body the agent reads (claim responses carry a manifest and a prompt). */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

type Transport = { request: typeof http.request; agent: http.Agent; proxy?: URL };

let httpAgent: http.Agent | undefined;
let httpsModule: Promise<{ mod: typeof https; tls: typeof tls; agent: https.Agent }> | undefined;
/** per proxy URL: the agent that talks to the proxy (absolute-form http) or tunnels through it (https) */
const proxied = new Map<string, Promise<Transport>>();
let envProxy: ProxySettings | undefined;

/** The proxy settings of this process's environment, read once (throws ProxyConfigError when unusable). */
export function proxySettings(): ProxySettings {
  envProxy ??= proxySettingsFrom(process.env);
  return envProxy;
}

function loadHttps() {
  httpsModule ??= Promise.all([import("node:https"), import("node:tls")]).then(([m, t]) => {
    const mod = (m as { default?: typeof https }).default ?? (m as typeof https);
    const tlsMod = (t as { default?: typeof tls }).default ?? (t as typeof tls);
    return { mod, tls: tlsMod, agent: new mod.Agent({ keepAlive: true, maxFreeSockets: 2 }) };
  });
  return httpsModule;
}

async function transport(url: URL, settings: ProxySettings): Promise<Transport> {
  const proxy = proxyFor(url, settings);
  if (proxy) {
    const key = `${url.protocol}${proxy.href}`;
    let t = proxied.get(key);
    if (!t) proxied.set(key, (t = proxyTransport(url.protocol === "https:", proxy)));
    return t;
  }
  if (url.protocol === "https:") {
    const { mod, agent } = await loadHttps();
    return { request: mod.request as typeof http.request, agent };
  }
  httpAgent ??= new http.Agent({ keepAlive: true, maxFreeSockets: 2 });
  return { request: http.request, agent: httpAgent };
}

/** How long the proxy may take to answer CONNECT before the tunnel is given up. */
const CONNECT_TIMEOUT_MS = 30_000;

async function proxyTransport(targetHttps: boolean, proxy: URL): Promise<Transport> {
  const needTls = targetHttps || proxy.protocol === "https:";
  const h = needTls ? await loadHttps() : undefined;
  if (targetHttps) {
    // CONNECT, then TLS to the coordinator inside the tunnel: the agent pools these sockets as usual.
    const { mod, tls: tlsMod } = h!;
    const agent = new mod.Agent({ keepAlive: true, maxFreeSockets: 2 });
    (agent as unknown as { createConnection: http.Agent["createConnection"] }).createConnection = (options, cb) => {
      const o = options as tls.ConnectionOptions & { hostname?: string };
      const host = o.host ?? o.hostname ?? "localhost";
      const port = Number(o.port ?? 443);
      openTunnel(proxy, host, port, CONNECT_TIMEOUT_MS, proxy.protocol === "https:" ? tlsMod : undefined, (err, raw) => {
        if (err || !raw) return cb!(err ?? new Error("no tunnel"), undefined as never);
        const servername = o.servername || (net.isIP(host) ? undefined : host);
        cb!(null, tlsMod.connect({ ...o, socket: raw, ...(servername ? { servername } : {}) }));
      });
      return undefined;
    };
    return { request: mod.request as typeof http.request, agent, proxy };
  }
  // Plain http coordinator: requests go to the proxy in absolute form (see once()).
  if (proxy.protocol === "https:") {
    const { mod } = h!;
    return { request: mod.request as typeof http.request, agent: new mod.Agent({ keepAlive: true, maxFreeSockets: 2 }), proxy };
  }
  return { request: http.request, agent: new http.Agent({ keepAlive: true, maxFreeSockets: 2 }), proxy };
}

/** Sends one request; rejects on network failure, timeout or abort (never on an HTTP status). */
export async function httpRequest(r: HttpRequest): Promise<HttpResponse> {
  const url = new URL(r.url);
  const t = await transport(url, r.proxy ?? proxySettings());
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

function once(r: HttpRequest, url: URL, t: Transport): Promise<HttpResponse> {
  return new Promise<HttpResponse>((resolve, reject) => {
    if (r.signal?.aborted) return reject(abortError(r.signal));
    const headers: Record<string, string | number> = { ...r.headers };
    if (r.body !== undefined) headers["content-length"] = Buffer.byteLength(r.body);
    let req: http.ClientRequest;
    if (t.proxy && url.protocol === "http:") {
      // Absolute form to the proxy: the request line names the coordinator, Host stays the coordinator's.
      const auth = proxyAuthorization(t.proxy);
      headers.host = url.host;
      if (auth) headers["proxy-authorization"] = auth;
      req = t.request({
        protocol: t.proxy.protocol,
        hostname: t.proxy.hostname.replace(/^\[|\]$/g, ""),
        port: t.proxy.port || (t.proxy.protocol === "https:" ? 443 : 80),
        path: url.href,
        method: r.method,
        headers,
        agent: t.agent,
      });
    } else {
      req = t.request(url, { method: r.method, headers, agent: t.agent });
    }
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
