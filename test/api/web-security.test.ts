import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type StartedApp } from "../harness/app";

/**
 * Issue 14 §7/§8 against the built app: security headers on pages and API routes, sign-in never
 * redirects off-site whatever `callbackUrl` says, and a deeply nested JSON body is a 400.
 */
let app: StartedApp;

beforeAll(async () => {
  // A small free allowance and a long lock, so the throttle test sees the lock hold.
  app = await startApp({ env: { FLEET_SIGNIN_FREE_FAILURES: "3", FLEET_SIGNIN_BACKOFF_MS: "60000" } });
}, 120_000);

afterAll(async () => {
  await app?.stop();
});

describe("security headers", () => {
  it.each(["/signin", "/api/fleet/healthz", "/api/auth/csrf"])("%s", async (path) => {
    const res = await fetch(`${app.url}${path}`, { redirect: "manual" });
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    expect(res.headers.get("permissions-policy")).toContain("camera=()");
  });

  it("the sign-in page still renders (Next's inline scripts are not blocked)", async () => {
    const res = await fetch(`${app.url}/signin`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).not.toMatch(/script-src/);
  });
});

describe("sign-in callbackUrl stays on this origin", () => {
  async function signInTo(callbackUrl: string): Promise<string> {
    const csrf = await fetch(`${app.url}/api/auth/csrf`);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const cookie = csrf.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
    const res = await fetch(`${app.url}/api/auth/callback/credentials`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: new URLSearchParams({ csrfToken, username: "admin", password: app.adminPassword, callbackUrl, json: "true" }),
    });
    const body = (await res.json()) as { url: string };
    return body.url;
  }

  it.each(["/\\evil.example", "/\t/evil.example", "//evil.example", "https://evil.example/x"])("%j", async (callbackUrl) => {
    const url = await signInTo(callbackUrl);
    expect(new URL(url, app.url).origin).toBe(new URL(app.url).origin);
    expect(url).not.toContain("evil.example");
  });

  it("a same-origin path is kept", async () => {
    expect(new URL(await signInTo("/jobs?tab=all")).pathname).toBe("/jobs");
  });

  it.each(["/\\evil.example", "/\t/evil.example"])("the sign-in page does not carry %j into its form", async (callbackUrl) => {
    const html = await (await fetch(`${app.url}/signin?callbackUrl=${encodeURIComponent(callbackUrl)}`)).text();
    // The form's prop in the page's payload (Next also echoes the page's own query, which is harmless).
    expect(html).toContain('\\"callbackUrl\\":\\"/\\"');
  });
});

describe("failed sign-ins back off", () => {
  async function attempt(username: string, password: string): Promise<Response> {
    const csrf = await fetch(`${app.url}/api/auth/csrf`);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const cookie = csrf.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
    return fetch(`${app.url}/api/auth/callback/credentials`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: new URLSearchParams({ csrfToken, username, password, json: "true" }),
    });
  }

  it("after the free failures a name gets 429 with Retry-After, even with the right password; other names are not locked", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await attempt("locked-user", `wrong-${i}`)).status);
    expect(statuses.slice(0, 4).every((s) => s !== 429)).toBe(true);
    const locked = await attempt("locked-user", "again");
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    // The real admin is another name: still signs in.
    const ok = await attempt("admin", app.adminPassword);
    expect(ok.headers.getSetCookie().some((c) => c.startsWith("next-auth.session-token="))).toBe(true);
  });

  it("a locked admin name is refused before the password is checked", async () => {
    for (let i = 0; i < 4; i++) await attempt("ADMIN", `wrong-${i}`);
    const res = await attempt("admin", app.adminPassword);
    expect(res.status).toBe(429);
    expect(res.headers.getSetCookie().some((c) => c.startsWith("next-auth.session-token="))).toBe(false);
  });
});

describe("a deeply nested JSON body", () => {
  it("is a 400 naming the body, not a 500", async () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    const res = await fetch(`${app.url}/api/fleet/jobs`, {
      method: "POST",
      headers: { authorization: `Bearer ${app.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ manifest: { engine: "shell", "x-deep": JSON.parse("[".repeat(70) + "]".repeat(70)) }, body: "# deep\n" }).replace('"x-deep":', `"x-deeper":${deep},"x-deep":`),
    });
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { errors?: { path: string; message: string }[] };
    expect(problem.errors?.[0]).toEqual({ path: "(body)", message: "at most 64 levels of nesting" });
  });
});
