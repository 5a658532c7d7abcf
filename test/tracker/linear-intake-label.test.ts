import { createHmac } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import * as webhookRoute from "@/app/api/fleet/webhooks/linear/route";
import { services } from "@/server/wiring";
import { startInProcess, type InProcessApp } from "../harness/in-process";
import { startLinearDouble, type LinearDouble } from "../harness/linear-double";

/**
 * FLEET_LINEAR_LABEL is the intake label of the Linear tracker, end to end over real HTTP (signed
 * webhook → the app's route → the intake → @linear/sdk → the double): with `gf:go` configured, an
 * issue labelled `gf:go` becomes a job, `gf:go:<profile>` picks the profile, and `agent:run` (the
 * default of other trackers) does not make a Linear issue a job. Before, the shared intake check
 * knew only `agent:run`, so the adapter parsed a `gf:go` delivery and the intake ignored it.
 */
const SECRET = "lin_wh_intake-label-secret";
let app: InProcessApp;
let linear: LinearDouble;
let n = 0;

beforeAll(async () => {
  linear = await startLinearDouble();
  linear.addTeam("ENG");
  app = await startInProcess({ LINEAR_WEBHOOK_SECRET: SECRET, LINEAR_API_KEY: linear.apiKey, LINEAR_API_URL: linear.url, FLEET_LINEAR_REPOS: "ENG=https://github.com/acme/widgets.git", FLEET_LINEAR_LABEL: "gf:go" }, [webhookRoute]);
});
afterAll(async () => {
  await app?.stop();
  await linear?.stop();
});

async function created(labels: string[]): Promise<{ status: number; tracker?: { outcome: string; jobId?: string; reason?: string }; ignored?: string }> {
  const issue = linear.addIssue("ENG", { title: `Label case ${++n}`, description: "Do the thing.", labels });
  const withIds = linear.labelNames(issue.identifier).map((name) => ({ id: linear.labels.find((l) => l.name === name)!.id, name }));
  const body = JSON.stringify({
    action: "create",
    type: "Issue",
    webhookTimestamp: Date.now(),
    webhookId: "hook-1",
    actor: { id: "user-ada" },
    data: { id: issue.id, identifier: issue.identifier, title: issue.title, description: issue.description, url: `https://linear.app/double/issue/${issue.identifier}`, labels: withIds, state: { type: "unstarted" }, updatedAt: issue.updatedAt },
  });
  const res = await fetch(`${app.url}/api/fleet/webhooks/linear`, {
    method: "POST",
    headers: { "content-type": "application/json", "linear-delivery": `3f1e0000-0000-4000-8000-${String(n).padStart(12, "0")}`, "linear-signature": createHmac("sha256", SECRET).update(body).digest("hex") },
    body,
  });
  return { status: res.status, ...((await res.json()) as object) };
}

it("the configured label makes a job; <label>:<profile> picks the profile; agent:run does not count on this tracker", async () => {
  const { ctx } = await services();
  const base = await created(["gf:go"]);
  expect(base.status, JSON.stringify(base)).toBe(200);
  expect(base.tracker?.outcome).toBe("created");
  const job = (await ctx.store.getJob(base.tracker!.jobId!))!;
  expect(job.stage).toBe("queued");
  expect(job.manifest.profile).toBeUndefined();

  const profiled = await created(["gf:go:frontend-engineer"]);
  expect(profiled.tracker?.outcome, JSON.stringify(profiled)).toBe("created");
  expect((await ctx.store.getJob(profiled.tracker!.jobId!))!.manifest.profile).toBe("frontend-engineer");

  const jobsBefore = (await ctx.store.listJobs({}, undefined, 500)).items.length;
  const other = await created(["agent:run"]);
  expect(other.status).not.toBe(200);
  expect(other.tracker).toBeUndefined();
  expect((await ctx.store.listJobs({}, undefined, 500)).items.length).toBe(jobsBefore);
});
