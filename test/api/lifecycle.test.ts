import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type StartedApp } from "../harness/app";
import { call, jobFile, registerFactory, submitJob } from "../harness/factory";

/** The whole path over real HTTP against the built app: register → claim → renew → events → complete → review → ship. */
let app: StartedApp;
let api: string;

beforeAll(async () => {
  app = await startApp();
  api = `${app.url}/api/fleet`;
});
afterAll(async () => {
  await app?.stop();
});

describe("job lifecycle", () => {
  it("register → claim → renew → events → complete → review → ship", async () => {
    const factory = await registerFactory(app.url, app.enrollmentToken);
    expect((await factory.heartbeat()).status).toBe(200);
    const job = await submitJob(app.url, app.adminToken, jobFile({ title: "lifecycle" }));
    expect(job.stage).toBe("queued");

    const claimed = await factory.claim({ waitMs: 2000 });
    expect(claimed.status).toBe(200);
    const lease = claimed.body.lease;
    expect(lease.jobId).toBe(job.id);
    expect(lease.epoch).toBe(1);
    expect(claimed.body.prompt).toContain("Do the thing.");

    const renewed = await factory.renew(lease.id, lease.epoch);
    expect(renewed.status).toBe(200);
    expect(Date.parse(renewed.body.expiresAt)).toBeGreaterThan(0);

    const ev = await factory.events(lease.id, lease.epoch, [
      { seq: 1, type: "stage", stage: "building" },
      { seq: 2, type: "log", stream: "stdout", text: "hello from the engine\n" },
      { seq: 3, type: "cost", usd: 0.01, tokensIn: 10, tokensOut: 5 },
    ]);
    expect(ev.status).toBe(200);
    expect((await call(`${api}/jobs/${job.id}`, { token: app.adminToken })).body.stage).toBe("building");

    const done = await factory.complete(lease.id, lease.epoch, { outcome: "succeeded", exitCode: 0 });
    expect(done.status).toBe(200);
    expect(done.body.stage).toBe("review");
    // A second complete for the same epoch records nothing new.
    expect((await factory.complete(lease.id, lease.epoch, { outcome: "failed", exitCode: 1 })).body).toMatchObject({ stage: "review", duplicate: true });

    const shipped = await call(`${api}/jobs/${job.id}/actions`, { token: app.adminToken, json: { action: "ship" } });
    expect(shipped.status).toBe(200);
    expect(shipped.body.stage).toBe("shipped");

    const full = await call(`${api}/jobs/${job.id}`, { token: app.adminToken });
    expect(full.body.runs).toHaveLength(1);
    const events = await call(`${api}/jobs/${job.id}/events`, { token: app.adminToken });
    const types = events.body.items.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(["job:submitted", "lease:granted", "run:started", "run:cost", "run:completed", "action:taken", "stage:changed"]));
    // An illegal action is refused with the reason, and nothing changes.
    const again = await call(`${api}/jobs/${job.id}/actions`, { token: app.adminToken, json: { action: "requeue" } });
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/shipped/);
  });

  it("verify passed goes to testing; verify failed goes to failed", async () => {
    const factory = await registerFactory(app.url, app.enrollmentToken);
    for (const [passed, stage] of [[true, "testing"], [false, "failed"]] as const) {
      await submitJob(app.url, app.adminToken, jobFile({ title: `verify ${passed}`, manifest: { verify: "npm test" } }));
      const { body } = await factory.claim({ waitMs: 2000 });
      const r = await factory.complete(body.lease.id, body.lease.epoch, { outcome: "succeeded", exitCode: 0, verify: { passed, exitCode: passed ? 0 : 1, output: "ok" } });
      expect(r.body.stage).toBe(stage);
    }
  });

  it("a stale epoch gets 409 lease_lost, and factory B cannot touch factory A's lease", async () => {
    const a = await registerFactory(app.url, app.enrollmentToken);
    const b = await registerFactory(app.url, app.enrollmentToken);
    await submitJob(app.url, app.adminToken, jobFile({ title: "fenced" }));
    const { body } = await a.claim({ waitMs: 2000 });
    const stale = await a.renew(body.lease.id, body.lease.epoch - 1);
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe("lease_lost");
    expect((await a.complete(body.lease.id, body.lease.epoch + 1, { outcome: "succeeded", exitCode: 0 })).body.code).toBe("lease_lost");

    expect((await b.renew(body.lease.id, body.lease.epoch)).status).toBe(403);
    expect((await b.events(body.lease.id, body.lease.epoch, [{ seq: 1, type: "log", stream: "stdout", text: "x" }])).status).toBe(403);
    expect((await b.complete(body.lease.id, body.lease.epoch, { outcome: "failed", exitCode: 1 })).status).toBe(403);
    expect((await b.heartbeat.call(null, {})).status).toBe(200);
    const hbAsA = await call(`${api}/factories/${a.factoryId}/heartbeat`, { method: "PUT", token: b.token, json: { load: 0, free: [], running: [] } });
    expect(hbAsA.status).toBe(403);
    const claimAsA = await call(`${api}/leases/claim`, { token: b.token, json: { factoryId: a.factoryId, free: [] } });
    expect(claimAsA.status).toBe(403);
    // A's lease is intact after all that.
    expect((await a.complete(body.lease.id, body.lease.epoch, { outcome: "succeeded", exitCode: 0 })).status).toBe(200);
  });

  it("the long poll returns the moment a job is queued, and 204 after waitMs", async () => {
    const f = await registerFactory(app.url, app.enrollmentToken);
    const empty = await f.claim({ waitMs: 300 });
    expect(empty.status).toBe(204);
    const waiting = f.claim({ waitMs: 20_000 });
    await new Promise((r) => setTimeout(r, 200));
    const job = await submitJob(app.url, app.adminToken, jobFile({ title: "woken" }));
    const got = await waiting;
    expect(got.status).toBe(200);
    expect(got.body.lease.jobId).toBe(job.id);
    await f.complete(got.body.lease.id, got.body.lease.epoch, { outcome: "failed", exitCode: 2 });
  });

  it("an expired lease is reaped by the sweeper and the job is claimable again with a higher epoch", async () => {
    // Its own capability and top priority: leftovers of other tests cannot be claimed instead.
    const f = await registerFactory(app.url, app.enrollmentToken, { capabilities: ["os:linux", "team:reap"] });
    await submitJob(app.url, app.adminToken, jobFile({ title: "reaped", manifest: { priority: "critical", capabilities: "[team:reap]" } }));
    const first = await f.claim({ waitMs: 2000 });
    // Lease TTL is 5 s in the harness: wait for the sweeper to return the job, then claim it again.
    const second = await f.claim({ waitMs: 15_000 });
    expect(second.status).toBe(200);
    expect(second.body.lease.jobId).toBe(first.body.lease.jobId);
    expect(second.body.lease.epoch).toBe(first.body.lease.epoch + 1);
    expect((await f.renew(first.body.lease.id, first.body.lease.epoch)).body.code).toBe("lease_lost");
    await f.complete(second.body.lease.id, second.body.lease.epoch, { outcome: "failed", exitCode: 1 });
  });

  it("idempotency keys dedupe; deps block; cycles are refused", async () => {
    const file = jobFile({ title: "keyed", manifest: { "idempotency-key": "key-1" } });
    const first = await call(`${api}/jobs`, { token: app.adminToken, body: file, contentType: "text/markdown" });
    expect(first.status).toBe(201);
    const replay = await call(`${api}/jobs`, { token: app.adminToken, body: file, contentType: "text/markdown" });
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ deduplicated: true, job: { id: first.body.id } });
    const other = await call(`${api}/jobs`, { token: app.adminToken, body: jobFile({ title: "other", manifest: { "idempotency-key": "key-1" } }), contentType: "text/markdown" });
    expect(other.status).toBe(409);

    const child = await call(`${api}/jobs`, {
      token: app.adminToken,
      json: { manifest: { engine: "shell", deps: ["later-key"], "idempotency-key": "child-key" }, body: "# child\n\nwait" },
    });
    expect(child.status).toBe(201);
    expect(child.body.stage).toBe("blocked");
    const cyc = await call(`${api}/jobs`, {
      token: app.adminToken,
      json: { manifest: { engine: "shell", deps: ["child-key"], "idempotency-key": "later-key" }, body: "# later\n\nloop" },
    });
    expect(cyc.status).toBe(409);
    expect(cyc.body.errors[0].path).toBe("deps");
    expect(cyc.body.detail).toMatch(/later → child → later/);
  });

  it("the kill switch stops claiming and heartbeats carry it", async () => {
    const f = await registerFactory(app.url, app.enrollmentToken);
    expect((await call(`${api}/kill-switch`, { token: app.adminToken, json: { on: true, reason: "test" } })).status).toBe(200);
    await submitJob(app.url, app.adminToken, jobFile({ title: "killed" }));
    expect((await f.heartbeat()).body.killSwitch).toBe(true);
    expect((await f.claim({ waitMs: 200 })).status).toBe(204);
    await call(`${api}/kill-switch`, { token: app.adminToken, json: { on: false } });
    const got = await f.claim({ waitMs: 3000 });
    expect(got.status).toBe(200);
    await f.complete(got.body.lease.id, got.body.lease.epoch, { outcome: "failed", exitCode: 1 });
  });

  it("serves openapi, metrics, stats, factories, dag and healthz", async () => {
    const doc = await call(`${api}/openapi.json`);
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toContain("/api/fleet/leases/claim");
    const metrics = await call(`${api}/metrics`, { token: app.adminToken });
    expect(metrics.body).toMatch(/fleet_claim_duration_seconds_bucket/);
    expect(metrics.body).toMatch(/fleet_jobs\{stage="queued"\}/);
    expect((await call(`${api}/stats`, { token: app.adminToken })).body.queueDepth).toBeDefined();
    const factories = await call(`${api}/factories`, { token: app.adminToken });
    expect(factories.body.items[0]).toHaveProperty("health");
    expect((await call(`${api}/dag`, { token: app.adminToken })).body.edges).toBeInstanceOf(Array);
    expect((await call(`${api}/healthz`)).body.ok).toBe(true);
  });
});
