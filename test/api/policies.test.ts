import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type StartedApp } from "../harness/app";
import { call, registerFactory, submitJob } from "../harness/factory";

/**
 * Issue 5's lock, budget, kill-switch and product-pause rules over real HTTP against the built app
 * (SQLite; the in-process scenarios in server/coordinator/policies run every rule on both providers).
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
async function events(jobId: string): Promise<{ type: string; at: string }[]> {
  return (await call(`${api}/jobs/${jobId}/events`, { token: admin() })).body.items;
}

describe("policies over HTTP", () => {
  it("two jobs with one lock never hold leases at once; the waiting one names the holder", async () => {
    const x = await submitJob(app.url, admin(), file("lock one", "lock: web-http"));
    const y = await submitJob(app.url, admin(), file("lock two", "lock: web-http"));
    const a = await registerFactory(app.url, app.enrollmentToken);
    const b = await registerFactory(app.url, app.enrollmentToken);
    const first = await a.claim({ waitMs: 2_000 });
    expect(first.status).toBe(200);
    const holder = first.body.lease.jobId as string;
    const waiter = holder === x.id ? y.id : x.id;
    expect((await b.claim({ waitMs: 300 })).status).toBe(204);
    const view = await call(`${api}/jobs/${waiter}`, { token: admin() });
    expect(JSON.stringify(view.body)).toContain(holder);
    expect(JSON.stringify(view.body)).toMatch(/lock/);
    expect((await a.complete(first.body.lease.id, first.body.lease.epoch, { outcome: "succeeded", exitCode: 0 })).status).toBe(200);
    const second = await b.claim({ waitMs: 3_000 });
    expect(second.status).toBe(200);
    expect(second.body.lease.jobId).toBe(waiter);
    // From the events: the second lease was granted after the first attempt ended.
    const ended = Date.parse((await events(holder)).find((e) => e.type === "run:completed")!.at);
    const granted = Date.parse((await events(waiter)).find((e) => e.type === "lease:granted")!.at);
    expect(granted).toBeGreaterThanOrEqual(ended);
    await b.complete(second.body.lease.id, second.body.lease.epoch, { outcome: "succeeded", exitCode: 0 });
  });

  it("a budget breach pauses the job and cancels its lease on the next heartbeat and renew; resume needs a raised budget", async () => {
    const job = await submitJob(app.url, admin(), file("spender", "budget: { usd: 1 }"));
    const f = await registerFactory(app.url, app.enrollmentToken);
    const c = await f.claim({ waitMs: 2_000 });
    expect(c.body.lease.jobId).toBe(job.id);
    const lease = c.body.lease;
    await f.events(lease.id, lease.epoch, [{ seq: 1, type: "stage", stage: "building" }, { seq: 2, type: "cost", usd: 0.7 }]);
    expect((await call(`${api}/jobs/${job.id}`, { token: admin() })).body.stage).toBe("building");
    await f.events(lease.id, lease.epoch, [{ seq: 3, type: "cost", usd: 0.4 }]);
    const paused = await call(`${api}/jobs/${job.id}`, { token: admin() });
    expect(paused.body.stage).toBe("paused");
    expect(paused.body.pendingReason).toMatch(/budget exceeded/);
    const hb = await f.heartbeat({ running: [{ leaseId: lease.id, epoch: lease.epoch }] });
    expect(hb.body.cancel).toEqual([lease.id]);
    const renewed = await f.renew(lease.id, lease.epoch);
    expect(renewed.status).toBe(409);
    expect(renewed.body.code).toBe("cancelled");
    expect((await events(job.id)).map((e) => e.type)).toEqual(expect.arrayContaining(["budget:exceeded", "alert:raised"]));
    const stats = await call(`${api}/stats`, { token: admin() });
    expect(stats.body.alerts).toContainEqual(expect.objectContaining({ kind: "budget_exceeded", subject: job.id }));
    await f.complete(lease.id, lease.epoch, { outcome: "cancelled", cost: { usd: 1.1 } });

    const eventCount = (await events(job.id)).length;
    const refused = await call(`${api}/jobs/${job.id}/actions`, { token: admin(), json: { action: "resume" } });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe("budget_exceeded");
    expect((await events(job.id)).length).toBe(eventCount);
    const resumed = await call(`${api}/jobs/${job.id}/actions`, { token: admin(), json: { action: "resume", budget: { usd: 10 } } });
    expect(resumed.status).toBe(200);
    expect(resumed.body.stage).toBe("queued");
    expect(resumed.body.manifest.budget).toEqual({ usd: 10 });
  });

  it("the kill switch stops every claim until lifted; a paused product stops its own claims", async () => {
    const f = await registerFactory(app.url, app.enrollmentToken);
    // Drain what earlier tests left queued, so this test sees only its own jobs.
    for (let r = await f.claim({ waitMs: 0 }); r.status === 200; r = await f.claim({ waitMs: 0 })) {
      await f.complete(r.body.lease.id, r.body.lease.epoch, { outcome: "cancelled" });
    }
    expect((await call(`${api}/kill-switch`, { token: admin(), json: { on: true, reason: "incident" } })).status).toBe(200);
    const job = await submitJob(app.url, admin(), file("held by the switch", ""));
    expect((await f.claim({ waitMs: 300 })).status).toBe(204);
    expect((await f.heartbeat()).body.killSwitch).toBe(true);
    expect((await call(`${api}/kill-switch`, { token: admin(), json: { on: false } })).status).toBe(200);
    const got = await f.claim({ waitMs: 2_000 });
    expect(got.body.lease.jobId).toBe(job.id);
    await f.complete(got.body.lease.id, got.body.lease.epoch, { outcome: "succeeded", exitCode: 0 });

    const paused = await call(`${api}/products/p-http/pause`, { token: admin(), json: { paused: true, reason: "release freeze" } });
    expect(paused.body).toEqual({ productId: "p-http", paused: true, pausedProducts: ["p-http"] });
    const p = await submitJob(app.url, admin(), file("frozen product", "product: p-http"));
    expect((await f.claim({ waitMs: 300 })).status).toBe(204);
    expect((await call(`${api}/stats`, { token: admin() })).body.pausedProducts).toEqual(["p-http"]);
    await call(`${api}/products/p-http/pause`, { token: admin(), json: { paused: false } });
    const thawed = await f.claim({ waitMs: 2_000 });
    expect(thawed.body.lease.jobId).toBe(p.id);
    // Only admins may pause a product.
    const tok = await call(`${api}/tokens`, { token: admin(), json: { name: "op", role: "operator" } });
    expect((await call(`${api}/products/p-http/pause`, { token: tok.body.token, json: { paused: true } })).status).toBe(403);
  });
});
