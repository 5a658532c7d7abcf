import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type StartedApp } from "../harness/app";
import { call, jobFile, registerFactory, submitJob, type FactoryClient } from "../harness/factory";

/**
 * Who may call what, over real HTTP: every route × every kind of caller against an expected table,
 * and the session-cookie rules (Origin checked on writes; factory routes never take cookies).
 */
let app: StartedApp;
let api: string;
const tokens: Record<string, string | undefined> = {};
let A: FactoryClient;
let lease: { id: string; epoch: number };
let jobId: string;
let spareFactories: string[] = [];

type Caller = "anonymous" | "viewer" | "operator" | "admin" | "factory" | "otherFactory" | "revoked" | "revokedFactory";
const CALLERS: Caller[] = ["anonymous", "viewer", "operator", "admin", "factory", "otherFactory", "revoked", "revokedFactory"];
type Access = "public" | "viewer" | "operator" | "admin" | "factory" | "enrollment" | "metrics";

/** The expected status class of each caller for each access rule: "ok" means neither 401 nor 403. */
function expected(access: Access, caller: Caller): 401 | 403 | "ok" {
  if (access === "public") return "ok";
  if (caller === "anonymous" || caller === "revoked" || caller === "revokedFactory") return 401;
  const person = caller === "viewer" || caller === "operator" || caller === "admin";
  switch (access) {
    case "factory":
      return caller === "factory" ? "ok" : 403;
    case "enrollment":
      return 403;
    case "metrics":
    case "viewer":
      return person ? "ok" : 403;
    case "operator":
      return caller === "operator" || caller === "admin" ? "ok" : 403;
    case "admin":
      return caller === "admin" ? "ok" : 403;
  }
}

interface RouteCase {
  method: string;
  path: () => string;
  access: Access;
  json?: () => unknown;
  markdown?: string;
  stream?: boolean;
}

const ROUTES: RouteCase[] = [
  { method: "GET", path: () => "/jobs", access: "viewer" },
  { method: "POST", path: () => "/jobs", access: "operator", markdown: jobFile({ title: "matrix" }) },
  { method: "GET", path: () => `/jobs/${jobId}`, access: "viewer" },
  { method: "GET", path: () => `/jobs/${jobId}/events`, access: "viewer" },
  { method: "GET", path: () => `/jobs/${jobId}/stream`, access: "viewer", stream: true },
  { method: "POST", path: () => `/jobs/${jobId}/actions`, access: "operator", json: () => ({ action: "pause" }) },
  { method: "GET", path: () => "/dag", access: "viewer" },
  { method: "POST", path: () => "/factories", access: "enrollment", json: () => ({ name: "m", os: "linux", arch: "x64", capabilities: [], stations: [], version: "1" }) },
  { method: "GET", path: () => "/factories", access: "viewer" },
  { method: "PUT", path: () => `/factories/${A.factoryId}/heartbeat`, access: "factory", json: () => ({ load: 0, free: [], running: [] }) },
  { method: "POST", path: () => `/factories/${spareFactories[0]}/drain`, access: "operator" },
  { method: "POST", path: () => `/factories/${spareFactories[1]}/revoke`, access: "admin" },
  { method: "POST", path: () => "/leases/claim", access: "factory", json: () => ({ factoryId: A.factoryId, free: [] }) },
  { method: "POST", path: () => `/leases/${lease.id}/renew`, access: "factory", json: () => ({ epoch: lease.epoch }) },
  { method: "POST", path: () => `/leases/${lease.id}/events`, access: "factory", json: () => ({ epoch: lease.epoch, events: [{ seq: 1, type: "log", stream: "stdout", text: "hi" }] }) },
  { method: "POST", path: () => `/leases/${lease.id}/complete`, access: "factory", json: () => ({ epoch: lease.epoch, outcome: "succeeded", exitCode: 0 }) },
  { method: "GET", path: () => "/profiles", access: "viewer" },
  { method: "GET", path: () => "/profiles/nope", access: "viewer" },
  { method: "GET", path: () => "/kill-switch", access: "viewer" },
  { method: "POST", path: () => "/kill-switch", access: "admin", json: () => ({ on: false, reason: "matrix" }) },
  { method: "GET", path: () => "/tokens", access: "admin" },
  { method: "POST", path: () => "/tokens", access: "admin", json: () => ({ name: "matrix", role: "viewer" }) },
  { method: "DELETE", path: () => "/tokens/t-0000", access: "admin" },
  { method: "GET", path: () => "/users", access: "admin" },
  // the local admin stays admin: allowed callers get 200 and change nothing
  { method: "PUT", path: () => "/users/admin", access: "admin", json: () => ({ role: "admin" }) },
  { method: "GET", path: () => "/alerts", access: "admin" },
  { method: "GET", path: () => "/trackers", access: "admin" },
  { method: "PUT", path: () => "/alerts/sinks", access: "admin", json: () => ({}) },
  { method: "POST", path: () => "/alerts/test", access: "admin" },
  { method: "POST", path: () => "/alerts/deliveries/none/retry", access: "admin" },
  { method: "GET", path: () => "/stats", access: "viewer" },
  { method: "GET", path: () => "/stream", access: "viewer", stream: true },
  { method: "GET", path: () => "/metrics", access: "metrics" },
  { method: "GET", path: () => "/healthz", access: "public" },
  { method: "GET", path: () => "/openapi.json", access: "public" },
];

async function statusOf(r: RouteCase, token: string | undefined): Promise<number> {
  const url = `${api}${r.path()}`;
  if (r.stream) {
    const ctl = new AbortController();
    const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: ctl.signal });
    ctl.abort();
    return res.status;
  }
  const res = await call(url, {
    method: r.method,
    ...(token ? { token } : {}),
    ...(r.json ? { json: r.json() } : {}),
    ...(r.markdown ? { body: r.markdown, contentType: "text/markdown" } : {}),
  });
  if (res.status >= 500) throw new Error(`${r.method} ${r.path()} → ${res.status} ${JSON.stringify(res.body)}`);
  return res.status;
}

async function apiToken(role: string): Promise<{ id: string; token: string }> {
  const r = await call(`${api}/tokens`, { token: app.adminToken, json: { name: role, role } });
  expect(r.status).toBe(201);
  return r.body;
}

beforeAll(async () => {
  app = await startApp();
  api = `${app.url}/api/fleet`;
  for (const role of ["viewer", "operator", "admin"]) tokens[role] = (await apiToken(role)).token;
  const revoked = await apiToken("admin");
  expect((await call(`${api}/tokens/${revoked.id}`, { method: "DELETE", token: app.adminToken })).status).toBe(200);
  tokens.revoked = revoked.token;
  A = await registerFactory(app.url, app.enrollmentToken);
  const B = await registerFactory(app.url, app.enrollmentToken);
  const R = await registerFactory(app.url, app.enrollmentToken);
  expect((await call(`${api}/factories/${R.factoryId}/revoke`, { method: "POST", token: app.adminToken })).status).toBe(200);
  tokens.factory = A.token;
  tokens.otherFactory = B.token;
  tokens.revokedFactory = R.token;
  spareFactories = [(await registerFactory(app.url, app.enrollmentToken)).factoryId, (await registerFactory(app.url, app.enrollmentToken)).factoryId];
  await submitJob(app.url, app.adminToken, jobFile({ title: "leased" }));
  const claimed = await A.claim({ waitMs: 2000 });
  lease = claimed.body.lease;
  jobId = (await submitJob(app.url, app.adminToken, jobFile({ title: "target" }))).id;
});
afterAll(async () => {
  await app?.stop();
});

describe("authorization matrix", () => {
  it("every route × every caller matches the expected table", async () => {
    const mismatches: string[] = [];
    for (const r of ROUTES) {
      for (const caller of CALLERS) {
        const want = expected(r.access, caller);
        const got = await statusOf(r, caller === "anonymous" ? undefined : tokens[caller]);
        const ok = want === "ok" ? got !== 401 && got !== 403 : got === want;
        if (!ok) mismatches.push(`${r.method} ${r.path()} as ${caller}: got ${got}, want ${want}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it("the enrollment token registers, and nothing else does", async () => {
    const r = await call(`${api}/factories`, { token: app.enrollmentToken, json: { name: "ok", os: "linux", arch: "x64", capabilities: [], stations: [], version: "1" } });
    expect(r.status).toBe(201);
    expect(r.body.token).toMatch(/^gff_/);
    expect((await call(`${api}/jobs`, { token: app.enrollmentToken })).status).toBe(403);
  });
});

describe("session cookies", () => {
  async function signIn(): Promise<string> {
    const csrf = await fetch(`${app.url}/api/auth/csrf`);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const csrfCookie = csrf.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
    const res = await fetch(`${app.url}/api/auth/callback/credentials`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: csrfCookie },
      body: new URLSearchParams({ csrfToken, username: "admin", password: app.adminPassword, json: "true" }),
    });
    const session = res.headers.getSetCookie().find((c) => c.startsWith("next-auth.session-token="));
    if (!session) throw new Error(`no session cookie (status ${res.status})`);
    return session.split(";")[0]!;
  }

  it("reads with a session; writes need a same-origin Origin; factory routes ignore cookies", async () => {
    const cookie = await signIn();
    expect((await call(`${api}/jobs`, { headers: { cookie } })).status).toBe(200);
    const write = (origin?: string) =>
      call(`${api}/kill-switch`, { headers: { cookie, ...(origin !== undefined ? { origin } : {}) }, json: { on: false, reason: "cookie" } });
    expect((await write("https://evil.example")).status).toBe(403);
    expect((await write("null")).status).toBe(403);
    expect((await write()).status).toBe(403);
    expect((await write(app.url)).status).toBe(200);
    const hb = await call(`${api}/factories/${A.factoryId}/heartbeat`, { method: "PUT", headers: { cookie, origin: app.url }, json: { load: 0, free: [], running: [] } });
    expect(hb.status).toBe(401);
    expect((await call(`${api}/jobs`, { headers: { cookie: "next-auth.session-token=forged" } })).status).toBe(401);
  });

  it("a wrong password gets no session", async () => {
    const csrf = await fetch(`${app.url}/api/auth/csrf`);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const res = await fetch(`${app.url}/api/auth/callback/credentials`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: csrf.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ") },
      body: new URLSearchParams({ csrfToken, username: "admin", password: "wrong", json: "true" }),
    });
    expect(res.headers.getSetCookie().some((c) => c.startsWith("next-auth.session-token="))).toBe(false);
  });
});
