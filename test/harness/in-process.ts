/**
 * Test harness: the app's real route handlers (app/api/fleet/**\/route.ts, with the real route
 * builder, auth, store and coordinator) served over real HTTP by a small Node server in the test
 * process, for suites that need no pages and no `next build`. Each handler's spec (`GET.spec`) says
 * its method and path; `{name}` segments become the params Next would pass.
 *
 *   const app = await startInProcess({ FLEET_MAX_STREAMS_PER_PRINCIPAL: "2" }, [streamRoute, ...]);
 *   app.url, app.adminToken, app.enrollmentToken
 *   await app.stop()   // closes the server and every open connection, stops the services, removes the data dir
 *
 * The settings are the process environment (server/env.ts), so one instance per test file.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import os from "node:os";
import path from "node:path";
import { NextRequest } from "next/server";
import { resetEnvForTests } from "@/server/env";
import type { RouteHandler } from "@/server/http/route";
import { services } from "@/server/wiring";

export interface InProcessApp {
  url: string;
  adminToken: string;
  enrollmentToken: string;
  stop(): Promise<void>;
}

type RouteModule = Partial<Record<"GET" | "POST" | "PUT" | "DELETE", RouteHandler>> & Record<string, unknown>;

interface Mounted {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: RouteHandler;
}

function mount(modules: RouteModule[]): Mounted[] {
  const out: Mounted[] = [];
  for (const m of modules) {
    for (const method of ["GET", "POST", "PUT", "DELETE"] as const) {
      const handler = m[method];
      if (!handler) continue;
      const names: string[] = [];
      const source = handler.spec.path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{(\w+)\\?\}/g, (_s, n: string) => {
        names.push(n);
        return "([^/]+)";
      });
      out.push({ method: handler.spec.method, pattern: new RegExp(`^/api/fleet${source}$`), names, handler });
    }
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  if (req.method === "GET" || req.method === "HEAD") return undefined;
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

export async function startInProcess(settings: Record<string, string>, modules: RouteModule[]): Promise<InProcessApp> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "gf-inproc-"));
  const adminToken = `admin-${randomBytes(16).toString("hex")}`;
  const enrollmentToken = `enroll-${randomBytes(16).toString("hex")}`;
  Object.assign(process.env, {
    FLEET_DATA_DIR: dataDir,
    FLEET_STORE: "sqlite",
    FLEET_ADMIN_TOKEN: adminToken,
    FLEET_ENROLLMENT_TOKEN: enrollmentToken,
    FLEET_ADMIN_PASSWORD: `pw-${randomBytes(12).toString("hex")}`,
    FLEET_SWEEP_MS: "60000",
    FLEET_CHECK_RESPONSES: "1",
    LOG_LEVEL: "silent",
    ...settings,
  });
  resetEnvForTests();
  const routes = mount(modules);
  const open = new Set<ServerResponse>();

  const server = createServer(async (req, res) => {
    open.add(res);
    res.on("close", () => open.delete(res));
    const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
    const found = routes.find((r) => r.method === req.method && r.pattern.test(url.pathname));
    if (!found) {
      res.writeHead(404).end();
      return;
    }
    const m = found.pattern.exec(url.pathname)!;
    const params = Object.fromEntries(found.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
    const abort = new AbortController();
    res.on("close", () => abort.abort());
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    const body = await readBody(req);
    const request = new NextRequest(url, { method: req.method!, headers, signal: abort.signal, ...(body && body.length > 0 ? { body: new Uint8Array(body) } : {}) });
    const answer = await found.handler(request, { params: Promise.resolve(params) });
    res.writeHead(answer.status, Object.fromEntries(answer.headers));
    if (!answer.body) {
      res.end();
      return;
    }
    const reader = answer.body.getReader();
    abort.signal.addEventListener("abort", () => void reader.cancel().catch(() => undefined), { once: true });
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        res.write(value);
      }
    } catch {
      // the client went away
    }
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  await services();
  return {
    url: `http://127.0.0.1:${port}`,
    adminToken,
    enrollmentToken,
    async stop() {
      for (const res of open) res.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await (await services()).stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
