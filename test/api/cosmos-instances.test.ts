import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type StartedApp } from "../harness/app";
import { startCosmosForApps, type CosmosForApps } from "../harness/cosmos";
import { call, factoryClient, jobFile, registerFactory, submitJob, type HttpResult } from "../harness/factory";

/**
 * The BUILT app on Cosmos, twice: two `next start` processes share one Cosmos database (the test
 * server, in this process) and must behave as one coordinator. Nothing may rest on in-process state:
 * a factory, a token, a queued job, a lease and an idempotency key made through one instance are seen
 * by the other, and a long poll waiting on one instance notices work queued on the other by polling
 * the store (the in-process wake-up cannot reach it).
 *
 * Every job here needs a capability only this test's factories of one case have, so one case's
 * leftovers cannot be claimed in another.
 */
let cosmos: CosmosForApps;
let a: StartedApp;
let b: StartedApp;
const run = randomBytes(4).toString("hex");

beforeAll(async () => {
  cosmos = await startCosmosForApps();
  const env = {
    ...cosmos.appEnv(`gf${run}`),
    // One coordinator: the instances share their secrets as well as their store.
    FLEET_ADMIN_TOKEN: `admin-${randomBytes(16).toString("hex")}`,
    FLEET_ENROLLMENT_TOKEN: `enroll-${randomBytes(16).toString("hex")}`,
    FLEET_ADMIN_PASSWORD: `pw-${randomBytes(12).toString("hex")}`,
    FLEET_LEASE_TTL_MS: "15000",
    FLEET_HEARTBEAT_MS: "1000",
    FLEET_SWEEP_MS: "500",
    FLEET_OFFLINE_AFTER_MS: "30000",
  };
  // Started together, as a deployment would: both create the database and containers if missing.
  const started = await Promise.allSettled([startApp({ env, readyTimeoutMs: 90_000 }), startApp({ env, readyTimeoutMs: 90_000 })]);
  const failed = started.find((s) => s.status === "rejected");
  if (failed) {
    await Promise.all(started.map((s) => (s.status === "fulfilled" ? s.value.stop() : undefined)));
    await cosmos.stop();
    throw failed.reason;
  }
  [a, b] = started.map((s) => (s as PromiseFulfilledResult<StartedApp>).value) as [StartedApp, StartedApp];
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await cosmos?.stop();
});

const api = (app: StartedApp) => `${app.url}/api/fleet`;
const admin = (app: StartedApp, path: string, opts: Parameters<typeof call>[1] = {}) => call(`${api(app)}${path}`, { token: app.adminToken, ...opts });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A job only factories with `cap` can take. */
function capJob(cap: string, title: string, manifest: Record<string, string> = {}) {
  return jobFile({ title, manifest: { priority: "critical", capabilities: `[${cap}]`, ...manifest } });
}

/** Reads the job's SSE stream on `app` until `marker` arrives (or the stream ends); returns the text. */
async function readStreamUntil(app: StartedApp, jobId: string, marker: string): Promise<string> {
  const ctl = new AbortController();
  try {
    const res = await fetch(`${api(app)}/jobs/${jobId}/stream`, { headers: { authorization: `Bearer ${app.adminToken}` }, signal: ctl.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let seen = "";
    while (!seen.includes(marker)) {
      const { done, value } = await reader.read();
      if (done) break;
      seen += decoder.decode(value, { stream: true });
    }
    return seen;
  } finally {
    ctl.abort();
  }
}

/** `expected` appears in `actual` in this order (other items may come between). */
function expectInOrder(actual: string[], expected: string[]) {
  let at = 0;
  for (const item of actual) if (item === expected[at]) at++;
  expect(at, `${JSON.stringify(expected)} in order within ${JSON.stringify(actual)}`).toBe(expected.length);
}

describe("two app instances on one Cosmos database", () => {
  it("both report a reachable Cosmos store", async () => {
    for (const app of [a, b]) {
      const r = await call(`${api(app)}/healthz`);
      expect(r.status, app.output()).toBe(200);
      expect(r.body).toMatchObject({ ok: true, store: "cosmos" });
    }
  });

  it("a factory registered through A heartbeats and claims through B", async () => {
    const cap = `team:shared-${run}`;
    const onA = await registerFactory(a.url, a.enrollmentToken, { capabilities: ["os:linux", cap] });
    // The same factory talking to B with the token A minted: tokens, factories and jobs live in the
    // store, not in A.
    const onB = factoryClient(b.url, onA.factoryId, onA.token);
    expect((await onB.heartbeat()).status, b.output()).toBe(200);
    const listed = await admin(b, "/factories");
    expect(JSON.stringify(listed.body)).toContain(onA.factoryId);

    const job = await submitJob(a.url, a.adminToken, capJob(cap, "shared state"));
    const claimed = await onB.claim({ waitMs: 10_000 });
    expect(claimed.status, b.output()).toBe(200);
    expect(claimed.body.lease.jobId).toBe(job.id);
    expect(claimed.body.lease.epoch).toBe(1);
    const { id, epoch } = claimed.body.lease;
    // ...and finishes through A: the lease is in the store too.
    const done = await onA.complete(id, epoch, { outcome: "succeeded", exitCode: 0 });
    expect(done.status).toBe(200);
    expect(done.body.stage).toBe("review");
    expect((await admin(b, `/jobs/${job.id}`)).body.stage).toBe("review");
  });

  it("a long poll waiting on B picks up a job submitted on A; the attempt runs through A; B reads the whole timeline", async () => {
    const cap = `team:poll-${run}`;
    const viaB = await registerFactory(b.url, b.enrollmentToken, { capabilities: ["os:linux", cap] });
    // The same factory's calls through A.
    const viaA = factoryClient(a.url, viaB.factoryId, viaB.token);
    expect((await viaB.heartbeat()).status).toBe(200);
    expect((await viaB.claim({ waitMs: 300 })).status).toBe(204);

    let settled = false;
    const waiting = viaB.claim({ waitMs: 25_000 }).finally(() => {
      settled = true;
    });
    // Let the request reach B and go to sleep in its long poll (no timing is asserted on this).
    await sleep(1_500);
    expect(settled).toBe(false);
    const job = await submitJob(a.url, a.adminToken, capJob(cap, "cross-instance long poll"));
    // A's in-process wake-up cannot reach B: only B's periodic look at the store can hand it out.
    const got: HttpResult = await waiting;
    expect(got.status, b.output()).toBe(200);
    expect(got.body.lease.jobId).toBe(job.id);
    const { id, epoch } = got.body.lease;

    const renewed = await viaA.renew(id, epoch);
    expect(renewed.status).toBe(200);
    expect(Date.parse(renewed.body.expiresAt)).toBeGreaterThan(Date.now());
    const reported = await viaA.events(id, epoch, [
      { seq: 1, type: "stage", stage: "building" },
      { seq: 2, type: "log", stream: "stdout", text: "first line from the engine\n" },
      { seq: 3, type: "cost", usd: 0.02, tokensIn: 20, tokensOut: 10 },
      { seq: 4, type: "log", stream: "stdout", text: "LAST-LINE-MARKER\n" },
    ]);
    expect(reported.status).toBe(200);
    const done = await viaA.complete(id, epoch, { outcome: "succeeded", exitCode: 0 });
    expect(done.status).toBe(200);
    expect(done.body.stage).toBe("review");

    // Read from B: the job, its events in order, and its log.
    const full = await admin(b, `/jobs/${job.id}`);
    expect(full.body.stage).toBe("review");
    expect(full.body.runs).toHaveLength(1);
    const events = await admin(b, `/jobs/${job.id}/events`);
    expect(events.status).toBe(200);
    const items = events.body.items as { seq: number; type: string; data: Record<string, unknown> }[];
    expect(items.map((e) => e.seq)).toEqual(items.map((_, i) => i + 1));
    const timeline = items.map((e) => (e.type === "stage:changed" ? `stage:${String(e.data.to)}` : e.type));
    // The agent's batch (stage → run:started, cost → run:cost) is stored before the stage change it causes.
    expectInOrder(timeline, ["job:submitted", "decision:made", "lease:granted", "stage:assigned", "run:started", "run:cost", "stage:building", "run:completed", "stage:review"]);
    expect(timeline.filter((t) => t === "lease:granted")).toHaveLength(1);

    const streamed = await readStreamUntil(b, job.id, "LAST-LINE-MARKER");
    expect(streamed).toContain("first line from the engine");
    expect(streamed.indexOf("first line from the engine")).toBeLessThan(streamed.indexOf("LAST-LINE-MARKER"));
  });

  it("two factories long-polling on different instances for one job: exactly one gets it", async () => {
    const cap = `team:race-${run}`;
    const onA = await registerFactory(a.url, a.enrollmentToken, { capabilities: ["os:linux", cap] });
    const onB = await registerFactory(b.url, b.enrollmentToken, { capabilities: ["os:linux", cap] });
    for (const f of [onA, onB]) expect((await f.heartbeat()).status).toBe(200);
    const factories = [onA, onB] as const;
    const polls = factories.map((f) => f.claim({ waitMs: 10_000 }));
    // Let both requests reach their instance and wait there (no timing is asserted on this).
    await sleep(1_500);
    const job = await submitJob(a.url, a.adminToken, capJob(cap, "one job, two pollers"));
    // The first poll to answer with a lease is the winner; check its lease while the other still waits.
    const won = await Promise.any(polls.map((p, i) => p.then((r) => (r.status === 200 ? i : Promise.reject(new Error(`poll ${i}: ${r.status}`))))));
    const winner = factories[won]!;
    const loser = factories[1 - won]!;
    const granted = (await polls[won]!).body.lease;
    expect(granted.jobId).toBe(job.id);
    expect(granted.epoch).toBe(1);
    const { id, epoch } = granted;

    // At most one valid lease: the winner's is live on both instances, the loser cannot touch it, the
    // loser's own poll ends empty, and the store recorded a single grant.
    for (const app of [a, b]) {
      expect((await factoryClient(app.url, winner.factoryId, winner.token).renew(id, epoch)).status).toBe(200);
      expect((await factoryClient(app.url, loser.factoryId, loser.token).renew(id, epoch)).status).toBe(403);
    }
    const other = await polls[1 - won]!;
    expect(other.status, JSON.stringify(other.body)).toBe(204);
    const events = await admin(b, `/jobs/${job.id}/events`);
    expect(events.body.items.filter((e: { type: string }) => e.type === "lease:granted")).toHaveLength(1);
    expect((await winner.complete(id, epoch, { outcome: "succeeded", exitCode: 0 })).status).toBe(200);
  });

  it("idempotent submit across instances: same key and content on A then B is one job", async () => {
    const key = `cross-${run}`;
    // A capability no factory has: the job just waits, nobody claims it.
    const file = capJob(`team:nobody-${run}`, "keyed across instances", { "idempotency-key": key });
    const first = await admin(a, "/jobs", { body: file, contentType: "text/markdown" });
    expect(first.status).toBe(201);
    const replay = await admin(b, "/jobs", { body: file, contentType: "text/markdown" });
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ deduplicated: true, job: { id: first.body.id } });
    const changed = capJob(`team:nobody-${run}`, "other content, same key", { "idempotency-key": key });
    expect((await admin(b, "/jobs", { body: changed, contentType: "text/markdown" })).status).toBe(409);
    const events = await admin(a, `/jobs/${first.body.id}/events`);
    expect(events.body.items.filter((e: { type: string }) => e.type === "job:submitted")).toHaveLength(1);
  });
});
