import { afterAll, beforeAll, expect, it } from "vitest";
import * as actionsRoute from "@/app/api/fleet/jobs/[id]/actions/route";
import * as jobRoute from "@/app/api/fleet/jobs/[id]/route";
import * as jobsRoute from "@/app/api/fleet/jobs/route";
import * as heartbeatRoute from "@/app/api/fleet/factories/[id]/heartbeat/route";
import * as factoriesRoute from "@/app/api/fleet/factories/route";
import * as completeRoute from "@/app/api/fleet/leases/[id]/complete/route";
import * as claimRoute from "@/app/api/fleet/leases/claim/route";
import { call, jobFile, registerFactory, submitJob, type FactoryClient } from "../harness/factory";
import { startInProcess, type InProcessApp } from "../harness/in-process";

/**
 * A job that failed on a factory and came back to the queue (an operator's requeue of a dead letter,
 * or its own retry policy) is claimable again through the claim path, by the factory it failed on
 * when that is the only one that can take it, over real HTTP against the app's handlers and a real
 * SQLite store. One job at a time per test, each on its own factories (the queue is shared).
 */
let app: InProcessApp;
let api: string;

beforeAll(async () => {
  app = await startInProcess({}, [factoriesRoute, heartbeatRoute, jobsRoute, jobRoute, actionsRoute, claimRoute, completeRoute]);
  api = `${app.url}/api/fleet`;
});
afterAll(async () => {
  await app?.stop();
});

/** A factory with a capability of its own, so only the jobs that need it are its to claim. */
async function factoryWith(tag: string, name: string): Promise<FactoryClient> {
  const f = await registerFactory(app.url, app.enrollmentToken, { name, capabilities: ["os:linux", tag] });
  expect((await f.heartbeat()).status).toBe(200);
  return f;
}

async function failOnce(f: FactoryClient, jobId: string): Promise<string> {
  const c = await f.claim({ waitMs: 2000 });
  expect(c.status).toBe(200);
  expect(c.body.lease.jobId).toBe(jobId);
  const done = await f.complete(c.body.lease.id, c.body.lease.epoch, { outcome: "failed", exitCode: 3 });
  expect(done.status).toBe(200);
  return done.body.stage as string;
}

async function requeue(jobId: string): Promise<void> {
  const r = await call(`${api}/jobs/${jobId}/actions`, { token: app.adminToken, json: { action: "requeue" } });
  expect(r.status).toBe(200);
  expect(r.body.stage).toBe("queued");
}

it("a dead-lettered job requeued by an operator is claimed again by the only factory, the one it failed on", async () => {
  const f = await factoryWith("pool:solo", "solo-1");
  const job = await submitJob(app.url, app.adminToken, jobFile({ title: "requeue solo", manifest: { retry: "{ max: 0 }", capabilities: "[pool:solo]" } }));
  expect(await failOnce(f, job.id)).toBe("dead_letter");
  await requeue(job.id);

  const again = await f.claim({ waitMs: 2000 });
  expect(again.status).toBe(200);
  expect(again.body.lease.jobId).toBe(job.id);
  expect(again.body.lease.epoch).toBe(2);
});

it("with two factories, the one a requeued job failed on still claims it when it asks first", async () => {
  const a = await factoryWith("pool:pair", "pair-a");
  const b = await factoryWith("pool:pair", "pair-b");
  const job = await submitJob(app.url, app.adminToken, jobFile({ title: "requeue pair", manifest: { retry: "{ max: 0 }", capabilities: "[pool:pair]" } }));
  const first = await a.claim({ waitMs: 2000 });
  expect(first.body.lease.jobId).toBe(job.id);
  expect((await a.complete(first.body.lease.id, first.body.lease.epoch, { outcome: "failed", exitCode: 3 })).body.stage).toBe("dead_letter");
  await requeue(job.id);

  // The factory it failed on asks first (b, as feasible, is idle): it gets the job, not a wait.
  const again = await a.claim({ waitMs: 2000 });
  expect(again.status).toBe(200);
  expect(again.body.lease.jobId).toBe(job.id);
  const full = (await call(`${api}/jobs/${job.id}`, { token: app.adminToken })).body;
  expect(full.decision.factoryId).toBe(a.factoryId);
  expect(full.decision.candidates.map((c: { factoryId: string }) => c.factoryId).sort()).toEqual([a.factoryId, b.factoryId].sort());
});

it("with two factories, the other one claims a requeued job too", async () => {
  const a = await factoryWith("pool:other", "other-a");
  const b = await factoryWith("pool:other", "other-b");
  const job = await submitJob(app.url, app.adminToken, jobFile({ title: "requeue other", manifest: { retry: "{ max: 0 }", capabilities: "[pool:other]" } }));
  expect(await failOnce(a, job.id)).toBe("dead_letter");
  await requeue(job.id);
  const again = await b.claim({ waitMs: 2000 });
  expect(again.status).toBe(200);
  expect(again.body.lease.jobId).toBe(job.id);
});

// End to end only: before the fix this waited out the 5 s claim memory instead of failing (the claim
// memory's own test, snapshot-source.test.ts, fails without the fix on the test's clock).
it("a job retried by its retry policy is claimed again on a single-factory fleet", async () => {
  const f = await factoryWith("pool:retry", "retry-1");
  const job = await submitJob(app.url, app.adminToken, jobFile({ title: "retry solo", manifest: { retry: "{ max: 2, backoff: 1s, on: [agent_failed] }", capabilities: "[pool:retry]" } }));
  expect(await failOnce(f, job.id)).toBe("queued");
  // The claim long-polls through the backoff (at least 1 s, the shortest a manifest allows).
  const again = await f.claim({ waitMs: 20_000 });
  expect(again.status).toBe(200);
  expect(again.body.lease.jobId).toBe(job.id);
  expect(again.body.lease.epoch).toBe(2);
});
