import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectProxy } from "../../test/connect-proxy";
import { httpRequest } from "./http";
import { ProxyConfigError, proxyFor, proxySettingsFrom } from "./proxy";

const via = (url: string, env: Record<string, string>) => proxyFor(new URL(url), proxySettingsFrom(env))?.href;

describe("proxy settings from the environment", () => {
  it("picks HTTPS_PROXY for https and HTTP_PROXY for http; lowercase wins; a bare host:port means http://", () => {
    const env = { HTTPS_PROXY: "http://upper:1", https_proxy: "http://lower:2", HTTP_PROXY: "proxy.corp:3128" };
    expect(via("https://coord.example/api", env)).toBe("http://lower:2/");
    expect(via("http://coord.example/api", env)).toBe("http://proxy.corp:3128/");
    expect(via("http://coord.example/api", { HTTPS_PROXY: "http://p:1" })).toBeUndefined();
    expect(via("https://coord.example/api", {})).toBeUndefined();
  });

  it("NO_PROXY: *, domains and subdomains, .suffix, *.suffix, host:port, IPs and CIDR ranges", () => {
    const p = { HTTPS_PROXY: "http://p:1", HTTP_PROXY: "http://p:1" };
    const no = (list: string, url: string) => via(url, { ...p, NO_PROXY: list }) === undefined;
    expect(no("*", "https://anything.example")).toBe(true);
    expect(no("corp.example", "https://corp.example")).toBe(true);
    expect(no("corp.example", "https://fleet.corp.example")).toBe(true);
    expect(no("corp.example", "https://notcorp.example")).toBe(false);
    expect(no(".corp.example", "https://fleet.corp.example")).toBe(true);
    expect(no("*.corp.example", "https://fleet.corp.example")).toBe(true);
    expect(no("fleet.example:8443", "https://fleet.example:8443")).toBe(true);
    expect(no("fleet.example:8443", "https://fleet.example")).toBe(false);
    expect(no("10.0.0.0/8, 192.168.1.7", "http://10.2.3.4:3000")).toBe(true);
    expect(no("10.0.0.0/8 192.168.1.7", "http://192.168.1.7")).toBe(true);
    expect(no("10.0.0.0/8", "http://11.0.0.1")).toBe(false);
    expect(no("::1", "http://[::1]:3000")).toBe(true);
    expect(no("fd00::/8", "http://[fd12::5]:3000")).toBe(true);
    // Loopback is not bypassed unless listed (curl's rule).
    expect(no("", "http://127.0.0.1:3000")).toBe(false);
    expect(no("localhost,127.0.0.1", "http://127.0.0.1:3000")).toBe(true);
    // Lowercase no_proxy wins over NO_PROXY.
    expect(via("https://a.example", { ...p, NO_PROXY: "a.example", no_proxy: "b.example" })).toBe("http://p:1/");
  });

  it("refuses a socks or malformed proxy, naming the variable", () => {
    expect(() => proxySettingsFrom({ HTTPS_PROXY: "socks5://p:1080" })).toThrow(ProxyConfigError);
    expect(() => proxySettingsFrom({ https_proxy: "socks5://p:1080" })).toThrow(/^https_proxy: only http:\/\/ and https:\/\//);
    expect(() => proxySettingsFrom({ HTTP_PROXY: "http://[bad" })).toThrow(/^HTTP_PROXY: expected a proxy URL/);
  });
});

describe("httpRequest through a proxy", () => {
  let target: Server;
  let base = "";
  const proxies: ConnectProxy[] = [];

  beforeAll(async () => {
    target = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ url: req.url, host: req.headers.host, body, proxyAuth: req.headers["proxy-authorization"] ?? null })));
    });
    await new Promise<void>((r) => target.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const p of proxies) await p.stop();
    target.closeAllConnections();
    await new Promise((r) => target.close(r));
  });

  it("sends an http request to the proxy in absolute form, with Basic credentials from the proxy URL", async () => {
    const proxy = await new ConnectProxy({ user: "ops", pass: "p@ss word" }).start();
    proxies.push(proxy);
    const withAuth = new URL(proxy.url);
    withAuth.username = "ops";
    withAuth.password = encodeURIComponent("p@ss word");
    const settings = proxySettingsFrom({ HTTP_PROXY: withAuth.href });
    const r = await httpRequest({ method: "POST", url: base + "/api/x?y=1", headers: {}, body: "hi", timeoutMs: 5_000, proxy: settings });
    expect(r.status).toBe(200);
    // The coordinator sees its own Host and path, and no proxy credentials (the proxy took them).
    expect(r.json()).toEqual({ url: "/api/x?y=1", host: new URL(base).host, body: "hi", proxyAuth: null });
    expect(proxy.seen).toEqual([{ method: "POST", target: base + "/api/x?y=1", proxyAuthorization: "Basic " + Buffer.from("ops:p@ss word").toString("base64") }]);
  });

  it("answers 407 when the credentials are wrong (a status, not a network error), and NO_PROXY goes direct", async () => {
    const proxy = await new ConnectProxy({ user: "ops", pass: "right" }).start();
    proxies.push(proxy);
    const r = await httpRequest({ method: "GET", url: base + "/a", headers: {}, timeoutMs: 5_000, proxy: proxySettingsFrom({ HTTP_PROXY: proxy.url.replace("http://", "http://ops:wrong@") }) });
    expect(r.status).toBe(407);
    const direct = await httpRequest({ method: "GET", url: base + "/b", headers: {}, timeoutMs: 5_000, proxy: proxySettingsFrom({ HTTP_PROXY: proxy.url, NO_PROXY: "127.0.0.1" }) });
    expect(direct.status).toBe(200);
    expect(proxy.seen.map((s) => s.target)).toEqual([base + "/a"]);
  });

  it("fails with the proxy's status line when a CONNECT is refused", async () => {
    const proxy = await new ConnectProxy({ user: "ops", pass: "right" }).start();
    proxies.push(proxy);
    const settings = proxySettingsFrom({ HTTPS_PROXY: proxy.url });
    await expect(httpRequest({ method: "GET", url: "https://127.0.0.1:1/x", headers: {}, timeoutMs: 5_000, proxy: settings })).rejects.toThrow(/refused CONNECT 127\.0\.0\.1:1: HTTP\/1\.1 407/);
    expect(proxy.seen).toEqual([{ method: "CONNECT", target: "127.0.0.1:1" }]);
  });
});
