import { sign } from "@octokit/webhooks-methods";
import { afterAll, beforeAll, expect, it } from "vitest";
import * as webhookRoute from "@/app/api/fleet/webhooks/github/route";
import { services } from "@/server/wiring";
import { startInProcess, type InProcessApp } from "../harness/in-process";

/** With no GITHUB_WEBHOOK_SECRET the webhook route verifies nothing, so it takes nothing: 503 saying what to set. */
let app: InProcessApp;

beforeAll(async () => {
  app = await startInProcess({ GITHUB_WEBHOOK_SECRET: "" }, [webhookRoute]);
});
afterAll(async () => {
  await app?.stop();
});

it("answers 503 naming GITHUB_WEBHOOK_SECRET, even to a delivery signed with an empty secret, and writes nothing", async () => {
  (await services()).ctx.store.resetOpCounts();
  const body = JSON.stringify({ zen: "hi" });
  const res = await fetch(`${app.url}/api/fleet/webhooks/github`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-github-event": "ping", "x-github-delivery": "d-1", "x-hub-signature-256": await sign("x", body) },
    body,
  });
  expect(res.status).toBe(503);
  const problem = (await res.json()) as { code: string; detail: string };
  expect(problem.code).toBe("unavailable");
  expect(problem.detail).toMatch(/set GITHUB_WEBHOOK_SECRET/);
  expect((await services()).ctx.store.opCounts()).toEqual({});
});
