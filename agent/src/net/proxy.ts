/**
 * The agent's route to the coordinator through a corporate proxy: HTTPS_PROXY / HTTP_PROXY /
 * NO_PROXY (and their lowercase forms, which win when both are set, as with curl and git).
 *
 * Why our own ~150 lines instead of undici's EnvHttpProxyAgent or `https-proxy-agent`: the agent
 * talks over `node:http`/`node:https` on purpose (./http.ts: loading undici costs ≈ 9 MB of RSS
 * for the life of every factory's agent), and `agent-base` imports `node:https` eagerly. What a
 * proxy needs here is small and standard:
 *   - an `http://` coordinator: the request goes to the proxy in absolute form
 *     (`POST http://coord/api/… HTTP/1.1`), with `Proxy-Authorization` when the proxy URL carries
 *     user:password (RFC 9110 §7.1, §11.7.1);
 *   - an `https://` coordinator: a `CONNECT host:port` tunnel through the proxy, then TLS to the
 *     coordinator inside it (RFC 9110 §9.3.6), so the proxy never sees the tokens. The tunnel is
 *     made in the https.Agent's `createConnection`, so keep-alive and socket reuse work as before.
 * The proxy itself may be `http://` or `https://` (TLS to the proxy). Other schemes (socks) are
 * refused at start with the variable named.
 *
 * NO_PROXY: comma- or space-separated entries; `*` bypasses everything; `host`, `.host` and
 * `*.host` match the host and its subdomains; `host:port` only that port; an IP address or CIDR
 * range (`10.0.0.0/8`, `fd00::/8`) matches addresses in it. Loopback is NOT bypassed implicitly
 * (curl's rule): list `localhost,127.0.0.1` when the coordinator is local.
 */
import net from "node:net";
import type tls from "node:tls";

export interface ProxySettings {
  http?: URL;
  https?: URL;
  noProxy: NoProxyEntry[];
}

type NoProxyEntry = { all: true } | { host: string; port?: number } | { block: net.BlockList; port?: number };

/** Thrown at start for a proxy variable that cannot be used; names the variable. */
export class ProxyConfigError extends Error {}

function pick(env: Record<string, string | undefined>, name: string): { name: string; value: string } | undefined {
  const lower = name.toLowerCase();
  for (const n of [lower, name]) {
    const v = env[n]?.trim();
    if (v) return { name: n, value: v };
  }
  return undefined;
}

function proxyUrl(v: { name: string; value: string } | undefined): URL | undefined {
  if (!v) return undefined;
  // "proxy.corp:3128" (no scheme) is common in the wild and means http://.
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(v.value) ? v.value : `http://${v.value}`;
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new ProxyConfigError(`${v.name}: expected a proxy URL like http://proxy.example:3128, got ${JSON.stringify(v.value)}`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new ProxyConfigError(`${v.name}: only http:// and https:// proxies are supported, got ${u.protocol}//`);
  }
  return u;
}

function bareHost(h: string): string {
  return (h.startsWith("[") && h.endsWith("]") ? h.slice(1, -1) : h).toLowerCase().replace(/\.$/, "");
}

function parseNoProxy(text: string): NoProxyEntry[] {
  const out: NoProxyEntry[] = [];
  for (const raw of text.split(/[\s,]+/)) {
    let e = raw.trim().toLowerCase();
    if (!e) continue;
    if (e === "*") {
      out.push({ all: true });
      continue;
    }
    let port: number | undefined;
    // host:port and [v6]:port; a bare IPv6 address has several colons and no port.
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(e);
    if (m) {
      e = m[1]!;
      port = Number(m[2]);
    }
    e = bareHost(e);
    const cidr = /^(.+)\/(\d{1,3})$/.exec(e);
    const ip = cidr ? cidr[1]! : e;
    const family = net.isIP(ip);
    if (family) {
      const block = new net.BlockList();
      const type = family === 4 ? "ipv4" : "ipv6";
      const prefix = cidr ? Math.min(Number(cidr[2]), family === 4 ? 32 : 128) : family === 4 ? 32 : 128;
      block.addSubnet(ip, prefix, type);
      out.push(port === undefined ? { block } : { block, port });
      continue;
    }
    const host = e.replace(/^\*?\./, "");
    if (host) out.push(port === undefined ? { host } : { host, port });
  }
  return out;
}

/** Reads the proxy variables; throws ProxyConfigError (naming the variable) for an unusable one. */
export function proxySettingsFrom(env: Record<string, string | undefined>): ProxySettings {
  const s: ProxySettings = { noProxy: parseNoProxy(pick(env, "NO_PROXY")?.value ?? "") };
  const http = proxyUrl(pick(env, "HTTP_PROXY"));
  const https = proxyUrl(pick(env, "HTTPS_PROXY"));
  if (http) s.http = http;
  if (https) s.https = https;
  return s;
}

function defaultPort(u: URL): number {
  return u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80;
}

function bypassed(url: URL, entries: NoProxyEntry[]): boolean {
  const host = bareHost(url.hostname);
  const port = defaultPort(url);
  const family = net.isIP(host);
  for (const e of entries) {
    if ("all" in e) return true;
    if (e.port !== undefined && e.port !== port) continue;
    if ("block" in e) {
      if (family && e.block.check(host, family === 4 ? "ipv4" : "ipv6")) return true;
    } else if (host === e.host || host.endsWith("." + e.host)) return true;
  }
  return false;
}

/** The proxy to use for `url`, or undefined to go direct. */
export function proxyFor(url: URL, s: ProxySettings): URL | undefined {
  if (bypassed(url, s.noProxy)) return undefined;
  return url.protocol === "https:" ? s.https : s.http;
}

/** `Proxy-Authorization` for a proxy URL with credentials, else undefined. */
export function proxyAuthorization(proxy: URL): string | undefined {
  if (!proxy.username && !proxy.password) return undefined;
  const user = decodeURIComponent(proxy.username);
  const pass = decodeURIComponent(proxy.password);
  return "Basic " + Buffer.from(`${user}:${pass}`).toString("base64");
}

/** The biggest CONNECT response head we read before giving up on a proxy. */
const MAX_CONNECT_HEAD = 16 * 1024;

/**
 * Opens a tunnel to `host:port` through `proxy` and calls back with the raw socket once the proxy
 * answered 2xx. `tlsModule` is passed in when the proxy itself is https (so TLS is only loaded
 * when something needs it).
 */
export function openTunnel(
  proxy: URL,
  host: string,
  port: number,
  timeoutMs: number,
  tlsModule: typeof tls | undefined,
  cb: (err: Error | null, socket?: net.Socket) => void,
): void {
  const proxyPort = defaultPort(proxy);
  const proxyHost = bareHost(proxy.hostname);
  const socket: net.Socket =
    proxy.protocol === "https:"
      ? tlsModule!.connect({ host: proxyHost, port: proxyPort, servername: net.isIP(proxyHost) ? undefined : proxyHost, ALPNProtocols: ["http/1.1"] })
      : net.connect({ host: proxyHost, port: proxyPort });
  const target = `${net.isIP(host) === 6 ? `[${host}]` : host}:${port}`;
  let done = false;
  let head = Buffer.alloc(0);
  const finish = (err: Error | null) => {
    if (done) return;
    done = true;
    socket.setTimeout(0);
    socket.removeListener("data", onData);
    socket.removeListener("error", onError);
    socket.removeListener("close", onClose);
    socket.removeListener("timeout", onTimeout);
    if (err) {
      socket.destroy();
      cb(err);
    } else cb(null, socket);
  };
  const onError = (e: Error) => finish(new Error(`proxy ${proxy.host}: ${e.message}`));
  const onClose = () => finish(new Error(`proxy ${proxy.host} closed the connection before answering CONNECT ${target}`));
  const onTimeout = () => finish(new Error(`proxy ${proxy.host} did not answer CONNECT ${target} within ${timeoutMs} ms`));
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf("\r\n\r\n");
    if (end < 0) {
      if (head.length > MAX_CONNECT_HEAD) finish(new Error(`proxy ${proxy.host}: CONNECT answer head larger than ${MAX_CONNECT_HEAD} bytes`));
      return;
    }
    const statusLine = head.subarray(0, head.indexOf("\r\n")).toString("latin1");
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
    if (!status || status[1]![0] !== "2") {
      finish(new Error(`proxy ${proxy.host} refused CONNECT ${target}: ${statusLine || "no status line"}`));
      return;
    }
    // Nothing should follow the head before we speak TLS; if something did, hand it back.
    const rest = head.subarray(end + 4);
    finish(null);
    if (rest.length) socket.unshift(rest);
  };
  socket.setTimeout(timeoutMs);
  socket.on("data", onData);
  socket.on("error", onError);
  socket.on("close", onClose);
  socket.on("timeout", onTimeout);
  const auth = proxyAuthorization(proxy);
  socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth ? `Proxy-Authorization: ${auth}\r\n` : ""}\r\n`);
}
