import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type StartedApp } from "../harness/app";
import { call, registerFactory, submitJob } from "../harness/factory";

/**
 * What one attempt gets and leaves behind, over real HTTP against the built app: the claim's
 * `remaining` budget, and one verify event per attempt however the agent reports it.
 */
let app: StartedApp;
let api: string;

beforeAll(async () => {
  app = await startApp();
  api = `${app.url}/api/fleet`;
});
afterAll(async () => {
  await app?.stop();
});

const file = (title: string, fm: string) => `---\nengine: shell\n${fm}\n---\n# ${title}\n\nDo it.\n`;
const admin = () => app.adminToken;
async function events(jobId: string): Promise<{ type: string; leaseId?: string; data: unknown }[]> {
  return (await call(`${api}/jobs/${jobId}/events`, { token: admin() })).body.items;
}

describe("the claim's remaining budget", () => {
  it("a job with budget.wall 1h gets remaining.wallMs of at most 1h, less what earlier attempts used", async () => {
    const job = await submitJob(app.url, admin(), file("walled", "budget: { wall: 1h }\nretry: { max: 2, backoff: 1s, on: [agent_failed] }"));
    const f = await registerFactory(app.url, app.enrollmentToken);
    const first = await f.claim({ waitMs: 2_000 });
    expect(first.status).toBe(200);
    expect(first.body.lease.jobId).toBe(job.id);
    expect(first.body.remaining.wallMs).toBeGreaterThan(0);
    expect(first.body.remaining.wallMs).toBeLessThanOrEqual(3_600_000);
    const lease = first.body.lease;
    expect((await f.complete(lease.id, lease.epoch, { outcome: "failed", exitCode: 1 })).status).toBe(200);
    const used = (await call(`${api}/jobs/${job.id}`, { token: admin() })).body.cost.wallMs as number;

    const second = await f.claim({ waitMs: 10_000 });
    expect(second.status).toBe(200);
    expect(second.body.lease.jobId).toBe(job.id);
    expect(second.body.remaining.wallMs).toBe(Math.floor(3_600_000 - used));
    await f.complete(second.body.lease.id, second.body.lease.epoch, { outcome: "succeeded", exitCode: 0 });
  });

  it("a job without a budget gets no remaining", async () => {
    const job = await submitJob(app.url, admin(), file("unbounded", "priority: low"));
    const f = await registerFactory(app.url, app.enrollmentToken);
    const c = await f.claim({ waitMs: 2_000 });
    expect(c.body.lease.jobId).toBe(job.id);
    expect(c.body.remaining).toBeUndefined();
    await f.complete(c.body.lease.id, c.body.lease.epoch, { outcome: "succeeded", exitCode: 0 });
  });
});

describe("verify events", () => {
  const verify = { passed: true, exitCode: 0, output: "ok\n" };
  const verifyEvents = async (jobId: string, leaseId: string) =>
    (await events(jobId)).filter((e) => e.leaseId === leaseId && (e.type === "verify:passed" || e.type === "verify:failed"));

  it("an agent that sends a verify event and a complete with verify leaves one verify:passed for the attempt", async () => {
    const job = await submitJob(app.url, admin(), file("verified twice", "verify: \"true\""));
    const f = await registerFactory(app.url, app.enrollmentToken);
    const c = await f.claim({ waitMs: 2_000 });
    expect(c.body.lease.jobId).toBe(job.id);
    const { id, epoch } = c.body.lease;
    expect((await f.events(id, epoch, [{ seq: 1, type: "stage", stage: "building" }, { seq: 2, type: "verify", ...verify }])).status).toBe(200);
    const done = await f.complete(id, epoch, { outcome: "succeeded", exitCode: 0, verify });
    expect(done.status).toBe(200);
    expect(done.body.stage).toBe("testing");
    const found = await verifyEvents(job.id, id);
    expect(found.map((e) => e.type)).toEqual(["verify:passed"]);
  });

  it("a complete with verify and no verify event still records it once", async () => {
    const job = await submitJob(app.url, admin(), file("verified at complete", "verify: \"true\""));
    const f = await registerFactory(app.url, app.enrollmentToken);
    const c = await f.claim({ waitMs: 2_000 });
    expect(c.body.lease.jobId).toBe(job.id);
    const { id, epoch } = c.body.lease;
    await f.events(id, epoch, [{ seq: 1, type: "stage", stage: "building" }]);
    expect((await f.complete(id, epoch, { outcome: "succeeded", exitCode: 0, verify })).status).toBe(200);
    expect((await verifyEvents(job.id, id)).map((e) => e.type)).toEqual(["verify:passed"]);
  });
});
