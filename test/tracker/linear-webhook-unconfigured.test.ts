import { afterAll, beforeAll, expect, it } from "vitest";
import * as webhookRoute from "@/app/api/fleet/webhooks/linear/route";
import { startInProcess, type InProcessApp } from "../harness/in-process";

/** Without LINEAR_WEBHOOK_SECRET the Linear webhook answers 503 saying what to set, and reads nothing. */
let app: InProcessApp;
beforeAll(async () => {
  delete process.env.LINEAR_WEBHOOK_SECRET;
  app = await startInProcess({}, [webhookRoute]);
});
afterAll(async () => {
  await app?.stop();
});

it("answers 503 naming LINEAR_WEBHOOK_SECRET", async () => {
  const res = await fetch(`${app.url}/api/fleet/webhooks/linear`, { method: "POST", headers: { "content-type": "application/json", "linear-signature": "0".repeat(64) }, body: "{}" });
  expect(res.status).toBe(503);
  const body = (await res.json()) as { code: string; detail?: string; title?: string };
  expect(body.code).toBe("unavailable");
  expect(JSON.stringify(body)).toContain("set LINEAR_WEBHOOK_SECRET");
});
