import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "@/server/auth/password";
import type { Store } from "@/server/store/port";
import { openSqliteStore } from "@/server/store/sqlite/sqlite-store";
import { startApp, type StartedApp } from "../harness/app";
import { call } from "../harness/factory";

/**
 * Users and roles over real HTTP against the built app, and the sign-in page next-auth sends people
 * to. Users are put in the app's own SQLite file the way sign-in creates them (OAuth people as
 * viewers keyed by e-mail), so the test needs no identity provider.
 */
let app: StartedApp;
let api: string;
let store: Store;

beforeAll(async () => {
  app = await startApp();
  api = `${app.url}/api/fleet`;
  store = await openSqliteStore({ file: path.join(app.dataDir, "fleet.db") });
  await store.upsertUser({ id: "bob@example.com", productId: "default", name: "Bob", role: "viewer", provider: "github", now: Date.now() });
  // A password lets the test sign in as her through the credentials provider.
  await store.upsertUser({ id: "alice@example.com", productId: "default", name: "Alice", role: "viewer", passwordHash: await hashPassword("alice-pw"), now: Date.now() });
});
afterAll(async () => {
  await store?.close();
  await app?.stop();
});

async function signIn(username: string, password: string): Promise<string> {
  const csrf = await fetch(`${app.url}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const res = await fetch(`${app.url}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: csrf.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ") },
    body: new URLSearchParams({ csrfToken, username, password, json: "true" }),
  });
  const session = res.headers.getSetCookie().find((c) => c.startsWith("next-auth.session-token="));
  if (!session) throw new Error(`no session cookie (status ${res.status})`);
  return session.split(";")[0]!;
}

const setRole = (id: string, role: unknown) => call(`${api}/users/${encodeURIComponent(id)}`, { method: "PUT", token: app.adminToken, json: { role } });

describe("users API", () => {
  it("lists the local admin and people created at sign-in, with role, e-mail and provider", async () => {
    const r = await call(`${api}/users`, { token: app.adminToken });
    expect(r.status).toBe(200);
    const byId = Object.fromEntries((r.body.items as { id: string }[]).map((u) => [u.id, u]));
    expect(byId["bob@example.com"]).toMatchObject({ name: "Bob", email: "bob@example.com", role: "viewer", provider: "github" });
    expect(byId.admin).toMatchObject({ role: "admin", provider: "credentials" });
    expect(byId.admin).not.toHaveProperty("email");
    expect(JSON.stringify(r.body)).not.toMatch(/passwordHash|scrypt|\$/);
  });

  it("a role change takes effect on that user's next request, with the same session", async () => {
    const cookie = await signIn("alice@example.com", "alice-pw");
    expect((await call(`${api}/jobs`, { headers: { cookie } })).status).toBe(200);
    expect((await call(`${api}/users`, { headers: { cookie } })).status).toBe(403);

    const promoted = await setRole("alice@example.com", "admin");
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ id: "alice@example.com", role: "admin" });
    expect((await call(`${api}/users`, { headers: { cookie } })).status).toBe(200);

    expect((await setRole("alice@example.com", "viewer")).status).toBe(200);
    expect((await call(`${api}/users`, { headers: { cookie } })).status).toBe(403);
  });

  it("refuses demoting the last admin with 409 and a reason, and changes nothing", async () => {
    const refused = await setRole("admin", "operator");
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: "conflict", reason: "last_admin" });
    expect(refused.body.detail).toMatch(/last admin/);
    expect((await store.getUser("admin"))?.role).toBe("admin");
    // With a second admin the first may step down (and is put back for the other tests).
    expect((await setRole("bob@example.com", "admin")).status).toBe(200);
    expect((await setRole("admin", "operator")).body.role).toBe("operator");
    expect((await setRole("bob@example.com", "viewer")).status).toBe(409);
    expect((await setRole("admin", "admin")).status).toBe(200);
    expect((await setRole("bob@example.com", "viewer")).status).toBe(200);
  });

  it("names a bad role and answers 404 for an unknown user", async () => {
    const bad = await setRole("bob@example.com", "root");
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ path: "role" })]);
    expect((await setRole("nobody@example.com", "viewer")).status).toBe(404);
  });

  it("is in the OpenAPI document", async () => {
    const doc = (await call(`${api}/openapi.json`)).body;
    expect(doc.paths["/api/fleet/users"].get["x-access"]).toBe("admin");
    expect(doc.paths["/api/fleet/users/{id}"].put["x-access"]).toBe("admin");
  });
});

describe("sign-in pages", () => {
  it("next-auth sends sign-in and its errors to /signin, which says what went wrong", async () => {
    const start = await fetch(`${app.url}/api/auth/signin`, { redirect: "manual" });
    expect(start.status).toBeGreaterThanOrEqual(300);
    expect(new URL(start.headers.get("location")!, app.url).pathname).toBe("/signin");

    const failed = await fetch(`${app.url}/api/auth/error?error=AccessDenied`, { redirect: "manual" });
    expect(failed.status).toBeGreaterThanOrEqual(300);
    const to = new URL(failed.headers.get("location")!, app.url);
    expect(to.pathname).toBe("/signin");
    expect(to.searchParams.get("error")).toBe("AccessDenied");

    const page = await fetch(`${app.url}/signin?error=AccessDenied`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Access denied");
  });
});
