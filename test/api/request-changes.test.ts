import { afterAll, beforeAll, expect, it } from "vitest";
import * as actionsRoute from "@/app/api/fleet/jobs/[id]/actions/route";
import * as eventsRoute from "@/app/api/fleet/jobs/[id]/events/route";
import * as jobRoute from "@/app/api/fleet/jobs/[id]/route";
import * as jobsRoute from "@/app/api/fleet/jobs/route";
import * as heartbeatRoute from "@/app/api/fleet/factories/[id]/heartbeat/route";
import * as factoriesRoute from "@/app/api/fleet/factories/route";
import * as completeRoute from "@/app/api/fleet/leases/[id]/complete/route";
import * as claimRoute from "@/app/api/fleet/leases/claim/route";
import { call, jobFile, registerFactory, submitJob, type FactoryClient } from "../harness/factory";
import { startInProcess, type InProcessApp } from "../harness/in-process";

/**
 * Request changes from the job page (POST /jobs/{id}/actions {action: request_changes, reason})
 * over real HTTP against the app's handlers and a real SQLite store: the comment is required and
 * bounded (400 naming `reason`), a job with a pushed branch in review gets one follow-up job on
 * that branch with the comment as its feedback (the follow-up's claim starts at the pushed head),
 * and a job with nothing to continue, or with a follow-up still running, gets a precise 409 and
 * is left as it was.
 */
let app: InProcessApp;
let api: string;
let f: FactoryClient;
const HEAD = "a".repeat(40);

beforeAll(async () => {
  app = await startInProcess({}, [factoriesRoute, heartbeatRoute, jobsRoute, jobRoute, eventsRoute, actionsRoute, claimRoute, completeRoute]);
  api = `${app.url}/api/fleet`;
  f = await registerFactory(app.url, app.enrollmentToken, { name: "rc-1" });
  expect((await f.heartbeat()).status).toBe(200);
});
afterAll(async () => {
  await app?.stop();
});

const act = (id: string, json: unknown) => call(`${api}/jobs/${id}/actions`, { token: app.adminToken, json });

/** A job run to review; with a repo its branch is reported pushed at HEAD. */
async function inReview(title: string, repo?: string): Promise<{ id: string; branch?: string }> {
  const job = await submitJob(app.url, app.adminToken, jobFile({ title, manifest: repo ? { repo, delivery: "branch" } : {} }));
  const c = await f.claim({ waitMs: 2000 });
  expect(c.status).toBe(200);
  expect(c.body.lease.jobId).toBe(job.id);
  const branch = c.body.delivery?.branch as string | undefined;
  const done = await f.complete(c.body.lease.id, c.body.lease.epoch, { outcome: "succeeded", exitCode: 0, ...(branch ? { delivery: { branch, headSha: HEAD, pushed: true } } : {}) });
  expect(done.body.stage).toBe("review");
  return { id: job.id, ...(branch ? { branch } : {}) };
}

it("queues a follow-up on the pushed branch with the operator's comment; the comment is required and bounded", async () => {
  const job = await inReview("Add a changelog", "https://git.example.com/acme/shop.git");
  for (const [body, why] of [
    [{ action: "request_changes" }, /needs a reason/],
    [{ action: "request_changes", reason: "   " }, /needs a reason/],
    [{ action: "request_changes", reason: "x".repeat(1_001) }, /1000/],
  ] as const) {
    const r = await act(job.id, body);
    expect(r.status, JSON.stringify(body).slice(0, 60)).toBe(400);
    expect(r.body.errors).toEqual([{ path: "reason", message: expect.stringMatching(why) }]);
  }
  expect((await call(`${api}/jobs/${job.id}`, { token: app.adminToken })).body.delivery.followUps).toBeUndefined();

  const r = await act(job.id, { action: "request_changes", reason: "Keep the changelog in CHANGES.md, not README" });
  expect(r.status).toBe(200);
  expect(r.body.stage).toBe("review");
  expect(r.body.delivery.followUps).toHaveLength(1);
  const followUpId = r.body.delivery.followUps[0] as string;
  const fu = await call(`${api}/jobs/${followUpId}`, { token: app.adminToken });
  expect(fu.body).toMatchObject({ stage: "queued", followUpOf: { of: job.id, reason: "changes_requested", round: 1 } });
  expect(fu.body.body).toContain("Keep the changelog in CHANGES.md, not README");
  const events = (await call(`${api}/jobs/${job.id}/events`, { token: app.adminToken })).body;
  const items = (Array.isArray(events) ? events : events.items) as { type: string; data: Record<string, unknown> }[];
  expect(items.filter((e) => e.type === "review:follow_up_queued").map((e) => e.data)).toEqual([{ followUp: followUpId, reason: "changes_requested", round: 1, headSha: HEAD, by: expect.any(String) }]);

  // While it is queued, another request is refused with the reason, and nothing changes.
  const before = (await call(`${api}/jobs/${job.id}`, { token: app.adminToken })).body;
  const again = await act(job.id, { action: "request_changes", reason: "and one more thing" });
  expect([again.status, again.body.code]).toEqual([409, "conflict"]);
  expect(again.body.detail).toMatch(new RegExp(`follow-up ${followUpId} is still queued on ${job.branch}`));
  expect((await call(`${api}/jobs/${job.id}`, { token: app.adminToken })).body).toEqual(before);

  // The follow-up's claim continues the branch from its pushed head.
  const c = await f.claim({ waitMs: 2000 });
  expect(c.body.lease.jobId).toBe(followUpId);
  expect(c.body.delivery).toEqual({ mode: "branch", branch: job.branch, expectedHead: HEAD, startAt: HEAD });
  const next = "b".repeat(40);
  await f.complete(c.body.lease.id, c.body.lease.epoch, { outcome: "succeeded", exitCode: 0, delivery: { branch: job.branch, headSha: next, pushed: true } });
  expect((await call(`${api}/jobs/${job.id}`, { token: app.adminToken })).body.delivery).toMatchObject({ headSha: next, lastPushed: next });
  expect((await call(`${api}/jobs/${followUpId}`, { token: app.adminToken })).body.stage).toBe("review");

  // The follow-up is not shipped on its own: the job holding the branch is.
  const own = await act(followUpId, { action: "ship" });
  expect([own.status, own.body.detail]).toEqual([409, expect.stringMatching(new RegExp(`continues the branch of ${job.id}; ship ${job.id}`))]);
  const ship = await act(job.id, { action: "ship" });
  expect(ship.status, JSON.stringify(ship.body)).toBe(200);
  const t = await f.claim({ waitMs: 2000 });
  expect(t.body.delivery).toMatchObject({ task: "merge", branch: job.branch, headSha: next });
  const merged = await f.complete(t.body.lease.id, t.body.lease.epoch, { outcome: "succeeded", exitCode: 0, delivery: { branch: job.branch, headSha: next, pushed: true, baseBranch: "main", mergeSha: "c".repeat(40) } });
  expect(merged.body.stage).toBe("shipped");
  expect((await call(`${api}/jobs/${job.id}`, { token: app.adminToken })).body).toMatchObject({ stage: "shipped", delivery: { mergeSha: "c".repeat(40) } });
  // It shipped with the parent, whose merge carried its commits.
  expect((await call(`${api}/jobs/${followUpId}`, { token: app.adminToken })).body.stage).toBe("shipped");
});

it("a follow-up whose push was refused moves the job's head once Retry push lands it", async () => {
  const job = await inReview("Add a readme", "https://git.example.com/acme/shop.git");
  const r = await act(job.id, { action: "request_changes", reason: "Shorter, please" });
  const followUpId = r.body.delivery.followUps[0] as string;
  const c = await f.claim({ waitMs: 2000 });
  expect(c.body.lease.jobId).toBe(followUpId);
  const next = "d".repeat(40);
  await f.complete(c.body.lease.id, c.body.lease.epoch, { outcome: "succeeded", exitCode: 0, delivery: { branch: job.branch, headSha: next, pushed: false, error: { reason: "unreachable", message: "the remote could not be reached" } } });
  expect((await call(`${api}/jobs/${job.id}`, { token: app.adminToken })).body.delivery.headSha).toBe(HEAD);
  expect((await act(followUpId, { action: "retry_push" })).status).toBe(200);
  const t = await f.claim({ waitMs: 2000 });
  expect(t.body.delivery).toMatchObject({ task: "push", branch: job.branch, headSha: next, expectedHead: HEAD });
  await f.complete(t.body.lease.id, t.body.lease.epoch, { outcome: "succeeded", exitCode: 0, delivery: { branch: job.branch, headSha: next, pushed: true } });
  expect((await call(`${api}/jobs/${job.id}`, { token: app.adminToken })).body.delivery).toMatchObject({ headSha: next, lastPushed: next });
});

it("cancelling the job cancels its follow-ups that have not finished", async () => {
  const job = await inReview("Add a license", "https://git.example.com/acme/shop.git");
  const r = await act(job.id, { action: "request_changes", reason: "MIT, not GPL" });
  const followUpId = r.body.delivery.followUps[0] as string;
  expect((await act(job.id, { action: "cancel" })).body.stage).toBe("cancelled");
  expect((await call(`${api}/jobs/${followUpId}`, { token: app.adminToken })).body.stage).toBe("cancelled");
});

it("answers 409 with the reason for a job with no branch to continue, or not waiting in review/testing", async () => {
  const plain = await inReview("No repository");
  const r = await act(plain.id, { action: "request_changes", reason: "please" });
  expect([r.status, r.body.code]).toEqual([409, "conflict"]);
  expect(r.body.detail).toMatch(/delivers nothing .*no branch to continue/);

  const queued = await submitJob(app.url, app.adminToken, jobFile({ title: "waiting", manifest: { capabilities: "[pool:none]" } }));
  const q = await act(queued.id, { action: "request_changes", reason: "please" });
  expect([q.status, q.body.detail]).toEqual([409, expect.stringMatching(/the job is queued; request_changes works from review, testing/)]);
});
