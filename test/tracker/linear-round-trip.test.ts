import { createHmac } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import * as webhookRoute from "@/app/api/fleet/webhooks/linear/route";
import { afterMove, moveJob } from "@/server/coordinator/move-job";
import { services } from "@/server/wiring";
import { startInProcess, type InProcessApp } from "../harness/in-process";
import { startLinearDouble, type LinearDouble } from "../harness/linear-double";

/**
 * The Linear round trip over real HTTP: a labelled issue arrives as a signed webhook → a job is
 * queued with tracker-item linear:ENG-n → the job moves through its milestones (the coordinator's
 * own moveJob, as claims and completions do) → the issue hears back through the tracker write-back:
 * ONE comment, edited in place at each milestone, the agent:* labels swapped, and on ship the issue
 * moved to its team's completed state. Every Linear call goes through @linear/sdk to the double,
 * which answers only the SDK's own documents. On build the issue moves to its team's FIRST `started`
 * state (lowest position: the double's team has "In Progress" at 2 and "In Review" at 3), on ship
 * to the completed one.
 */
const SECRET = "lin_wh_round-trip-secret";
let app: InProcessApp;
let linear: LinearDouble;

beforeAll(async () => {
  linear = await startLinearDouble();
  linear.addTeam("ENG");
  app = await startInProcess({ LINEAR_WEBHOOK_SECRET: SECRET, LINEAR_API_KEY: linear.apiKey, LINEAR_API_URL: linear.url, FLEET_LINEAR_REPOS: "ENG=https://github.com/acme/widgets.git" }, [webhookRoute]);
});
afterAll(async () => {
  await app?.stop();
  await linear?.stop();
});

it("labelled issue → queued job → building → shipped: the issue's one comment is updated and it is moved to done", async () => {
  const issue = linear.addIssue("ENG", { title: "Add a health check", description: "GET /healthz answers 200.", labels: ["agent:run"] });
  const labels = linear.labelNames(issue.identifier).map((name) => ({ id: linear.labels.find((l) => l.name === name)!.id, name }));
  const body = JSON.stringify({
    action: "create",
    type: "Issue",
    webhookTimestamp: Date.now(),
    webhookId: "hook-1",
    actor: { id: "user-ada" },
    data: { id: issue.id, identifier: issue.identifier, title: issue.title, description: issue.description, url: `https://linear.app/double/issue/${issue.identifier}`, labels, state: { type: "unstarted" }, updatedAt: issue.updatedAt },
  });
  const res = await fetch(`${app.url}/api/fleet/webhooks/linear`, {
    method: "POST",
    headers: { "content-type": "application/json", "linear-delivery": "3f1e0000-0000-4000-8000-000000000001", "linear-signature": createHmac("sha256", SECRET).update(body).digest("hex") },
    body,
  });
  expect(res.status).toBe(200);
  const answer = (await res.json()) as { tracker: { outcome: string; jobId: string } };
  expect(answer.tracker.outcome).toBe("created");
  const { ctx } = await services();
  let job = (await ctx.store.getJob(answer.tracker.jobId))!;
  expect(job.stage).toBe("queued");
  expect(job.manifest["tracker-item"]).toBe(`linear:${issue.identifier}`);

  // queued: one comment and the queued label
  await expect.poll(() => linear.commentsOf(issue.identifier).length).toBe(1);
  const commentId = linear.commentsOf(issue.identifier)[0]!.id;
  await expect.poll(() => linear.labelNames(issue.identifier)).toContain("agent:queued");

  // a factory's claim (the store's fenced write, then afterMove as the claim route does), then the engine starts
  const grant = await ctx.store.claimJob({ jobId: job.id, factoryId: "mac-1", engine: "claude", leaseId: "lease-1", ttlMs: 60_000, now: ctx.now() });
  expect(grant).not.toBeNull();
  await afterMove(ctx, grant!.job, { from: "queued", cause: "claimed by a factory" });
  job = await moveJob(ctx, grant!.job, "building", { by: "test", cause: "the engine started" });
  await expect.poll(() => linear.labelNames(issue.identifier)).toContain("agent:running");
  // building: the team's first started state, not merely any started one
  await expect.poll(() => linear.stateOf(issue.identifier).type).toBe("started");
  expect(linear.stateOf(issue.identifier).name).toBe("In Progress");
  expect(linear.labelNames(issue.identifier)).not.toContain("agent:queued");
  expect(linear.commentsOf(issue.identifier).map((c) => c.id)).toEqual([commentId]);
  const building = linear.commentsOf(issue.identifier)[0]!.body;

  for (const to of ["review", "shipped"] as const) job = await moveJob(ctx, job, to, { by: "test", cause: "the round trip" });
  await expect.poll(() => linear.stateOf(issue.identifier).type).toBe("completed");
  expect(linear.stateOf(issue.identifier).name).toBe("Done");
  // still the one comment, edited in place (no comment spam)
  const comments = linear.commentsOf(issue.identifier);
  expect(comments.map((c) => c.id)).toEqual([commentId]);
  expect(comments[0]!.body).not.toBe(building);
  expect(comments[0]!.editedAt).not.toBeNull();
  expect(linear.labelNames(issue.identifier)).not.toContain("agent:running");
});
