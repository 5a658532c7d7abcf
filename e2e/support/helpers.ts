import { expect, type BrowserContext, type Page, type TestInfo } from "@playwright/test";
import { encode } from "next-auth/jwt";
import path from "node:path";

export const env = () => ({
  url: process.env.E2E_URL!,
  adminPassword: process.env.E2E_ADMIN_PASSWORD!,
  adminToken: process.env.E2E_ADMIN_TOKEN!,
  nextAuthSecret: process.env.E2E_NEXTAUTH_SECRET!,
  factory: process.env.E2E_FACTORY!,
  repo: process.env.E2E_REPO!,
});

export const at = (p: string) => new URL(p, env().url).toString();

/** Calls the API with the admin API token (setup and assertions that the UI is not about). */
export async function api<T = unknown>(method: string, p: string, body?: unknown, token = env().adminToken): Promise<{ status: number; body: T }> {
  const res = await fetch(at(p), {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(typeof body === "string" ? { "content-type": "text/markdown" } : body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: typeof body === "string" ? body : body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

export interface JobJson {
  id: string;
  stage: string;
  title: string;
  lease?: { factoryId: string };
  pendingReason?: string;
}

export async function submit(text: string): Promise<JobJson> {
  const r = await api<JobJson | { job: JobJson }>("POST", "/api/fleet/jobs", text);
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
  return "job" in r.body ? r.body.job : r.body;
}

export async function getJob(id: string): Promise<JobJson> {
  return (await api<JobJson>("GET", `/api/fleet/jobs/${id}`)).body;
}

/** Signs in through the real form as the local admin. */
export async function signInAsAdmin(page: Page, then = "/"): Promise<void> {
  await page.goto(at(`/signin?callbackUrl=${encodeURIComponent(then)}`));
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(env().adminPassword);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByTestId("signed-in-as")).toContainText("admin");
}

/**
 * A session with a given role: a next-auth JWT signed with the run's secret for a person the store
 * does not know, so both the pages and the API fall back to the role in the token.
 */
export async function becomeRole(context: BrowserContext, role: "viewer" | "operator", who = role === "viewer" ? "Vera Viewer" : "Otto Operator"): Promise<void> {
  const email = `${role}@example.com`;
  const token = await encode({ secret: env().nextAuthSecret, token: { sub: email, name: who, email, role } });
  await context.addCookies([{ name: "next-auth.session-token", value: token, url: env().url, httpOnly: true, sameSite: "Lax" }]);
}

export const becomeViewer = (context: BrowserContext) => becomeRole(context, "viewer");

/** Full-page screenshot kept under test-results/screenshots/ (the suite's artifacts). */
export async function screenshot(page: Page, info: TestInfo, name: string): Promise<void> {
  await page.screenshot({ path: path.join(info.project.outputDir, "screenshots", `${name}.png`), fullPage: true });
}
