/**
 * Issue 17 §1, the coordinator's side of the outbox: a re-sent identical completion is harmless,
 * and a completion for a lease the sweeper already reaped is kept as a late result of that attempt
 * (a `run:late_result` event) without moving the job. Real route handlers, real SQLite, real sweeper.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, jobFile, registerFactory, submitJob } from "../harness/factory";
import { startInProcess, type InProcessApp } from "../harness/in-process";
import { OFFLINE_EDGE_ROUTES } from "./routes";
import { until } from "./until";

let app: InProcessApp;
beforeAll(async () => {
  app = await startInProcess({ FLEET_LEASE_TTL_MS: "1000", FLEET_HEARTBEAT_MS: "200", FLEET_SWEEP_MS: "100" }, OFFLINE_EDGE_ROUTES);
});
afterAll(async () => {
  await app?.stop();
});

async function eventsOf(jobId: string): Promise<{ type: string; data: Record<string, unknown>; leaseId?: string }[]> {
  return (await call(`${app.url}/api/fleet/jobs/${jobId}/events`, { token: app.adminToken })).body.items;
}


describe("completions re-sent from an agent's outbox", () => {
  it("an identical completion sent twice records one result", async () => {
    const f = await registerFactory(app.url, app.enrollmentToken);
    const job = await submitJob(app.url, app.adminToken, jobFile({ title: "twice", manifest: { "retry": "{ max: 0 }" } }));
    const c = await f.claim({ waitMs: 2000 });
    expect(c.status).toBe(200);
    expect(c.body.lease.jobId).toBe(job.id);
    const body = { outcome: "succeeded", exitCode: 0 };
    const first = await f.complete(c.body.lease.id, 1, body);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ stage: "review", duplicate: false });
    const again = await f.complete(c.body.lease.id, 1, body);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ stage: "review", duplicate: true });
    const completed = (await eventsOf(job.id)).filter((e) => e.type === "run:completed");
    expect(completed).toHaveLength(1);
  });

  it("a completion after the lease was reaped is a late result of that attempt and leaves the job where the reaper put it", async () => {
    const f = await registerFactory(app.url, app.enrollmentToken);
    const job = await submitJob(app.url, app.adminToken, jobFile({ title: "late" }));
    const c = await f.claim({ waitMs: 2000 });
    expect(c.status).toBe(200);
    const lease = c.body.lease;
    // Cut off: no renewals; the sweeper reaps the lease and queues the job again.
    await until("reaped", () => eventsOf(job.id), (ev) => ev.some((e) => e.type === "lease:expired"));
    const before = (await call(`${app.url}/api/fleet/jobs/${job.id}`, { token: app.adminToken })).body;
    expect(before.stage).toBe("queued");

    const late = await f.complete(lease.id, lease.epoch, { outcome: "succeeded", exitCode: 0, verify: { passed: true, exitCode: 0, output: "ok" } });
    expect(late.status, JSON.stringify(late.body)).toBe(200);
    expect(late.body).toEqual({ stage: "queued", duplicate: false, late: true });
    const replay = await f.complete(lease.id, lease.epoch, { outcome: "succeeded", exitCode: 0 });
    expect(replay.body).toEqual({ stage: "queued", duplicate: true, late: true });

    const after = (await call(`${app.url}/api/fleet/jobs/${job.id}`, { token: app.adminToken })).body;
    expect(after.stage).toBe("queued");
    expect(after.attempts).toBe(before.attempts);
    const lateEvents = (await eventsOf(job.id)).filter((e) => e.type === "run:late_result");
    expect(lateEvents).toHaveLength(1);
    expect(lateEvents[0]).toMatchObject({ leaseId: lease.id, data: { epoch: 1, outcome: "succeeded", exitCode: 0, verifyPassed: true, stage: "queued" } });
    expect((await eventsOf(job.id)).filter((e) => e.type === "run:completed")).toHaveLength(0);
  });

  it("a wrong epoch or another factory's lease is still refused", async () => {
    const f = await registerFactory(app.url, app.enrollmentToken);
    const other = await registerFactory(app.url, app.enrollmentToken);
    await submitJob(app.url, app.adminToken, jobFile({ title: "fenced" }));
    const c = await f.claim({ waitMs: 2000 });
    expect(c.status).toBe(200);
    const lease = c.body.lease;
    await until("reaped", () => eventsOf(lease.jobId), (ev) => ev.some((e) => e.type === "lease:expired"));
    expect((await f.complete(lease.id, lease.epoch + 5, { outcome: "succeeded", exitCode: 0 })).status).toBe(409);
    expect((await other.complete(lease.id, lease.epoch, { outcome: "succeeded", exitCode: 0 })).status).toBe(403);
    expect((await eventsOf(lease.jobId)).filter((e) => e.type === "run:late_result" && e.leaseId === lease.id)).toHaveLength(0);
  });
});
