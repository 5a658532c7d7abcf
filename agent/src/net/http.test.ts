import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequest } from "./http";

let server: Server;
let base = "";
let hangs: (() => void)[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      if (req.url === "/echo") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ method: req.method, body, auth: req.headers.authorization ?? null }));
      } else if (req.url === "/empty") {
        res.writeHead(204).end();
      } else if (req.url === "/hang") {
        hangs.push(() => res.destroy());
      } else {
        res.writeHead(404, { "content-type": "application/problem+json" }).end('{"code":"not_found"}');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const h of hangs) h();
  hangs = [];
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe("httpRequest", () => {
  it("sends the body and headers and reads a JSON answer; statuses are not errors", async () => {
    const r = await httpRequest({ method: "POST", url: base + "/echo", headers: { authorization: "Bearer t" }, body: '{"a":1}', timeoutMs: 5_000 });
    expect(r.status).toBe(200);
    expect(r.ok).toBe(true);
    expect(r.json()).toEqual({ method: "POST", body: '{"a":1}', auth: "Bearer t" });
    const none = await httpRequest({ method: "POST", url: base + "/empty", headers: {}, body: "{}", timeoutMs: 5_000 });
    expect(none.status).toBe(204);
    const missing = await httpRequest({ method: "GET", url: base + "/nope", headers: {}, timeoutMs: 5_000 });
    expect(missing.ok).toBe(false);
    expect(missing.json()).toEqual({ code: "not_found" });
  });

  it("rejects when the signal aborts, and when the deadline passes", async () => {
    const ac = new AbortController();
    const pending = httpRequest({ method: "POST", url: base + "/hang", headers: {}, body: "{}", signal: ac.signal, timeoutMs: 60_000 });
    setTimeout(() => ac.abort(), 20);
    await expect(pending).rejects.toThrow();
    await expect(httpRequest({ method: "POST", url: base + "/hang", headers: {}, body: "{}", timeoutMs: 50 })).rejects.toThrow(/timed out/);
  });

  it("rejects at once with an already-aborted signal", async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(httpRequest({ method: "GET", url: base + "/echo", headers: {}, signal: ac.signal, timeoutMs: 5_000 })).rejects.toThrow();
  });
});
