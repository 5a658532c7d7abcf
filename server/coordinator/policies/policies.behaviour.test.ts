import { expect, it } from "vitest";
import { forEachProvider } from "@/server/store/testing";
import { isFleetError } from "@/server/errors";
import { actOnJob } from "../actions";
import { stats } from "../stats";
import { setKillSwitch, setProductPaused } from "../switches";
import { heartbeat } from "../factories";
import { getJob } from "../jobs";
import { renew } from "../leases";
import { sweepOnce } from "../sweeper";
import { scenario, type Scenario } from "./scenario-harness";

/**
 * Issue 5's policies, driven in-process over each real store provider with a hand-moved clock and a
 * fixed jitter (0.5 → every backoff is 1.25 × its exponential step).
 */
const ADMIN = { id: "admin@example.com", role: "admin" as const };
const OPERATOR = { id: "op@example.com", role: "operator" as const };
const green = { outcome: "succeeded" as const, exitCode: 0, verify: { passed: true, exitCode: 0, output: "ok" } };

async function refused(s: Scenario, jobId: string, act: () => Promise<unknown>, code: string): Promise<string> {
  const before = await s.ctx.store.getJob(jobId);
  const eventsBefore = (await s.ctx.store.readEvents(jobId, 0, 10_000)).length;
  const err = await act().then(() => undefined, (e: unknown) => e);
  expect(isFleetError(err), `expected a FleetError ${code}, got ${String(err)}`).toBe(true);
  expect((err as { code: string }).code).toBe(code);
  // Refused means nothing changed: same document, same event count.
  expect(await s.ctx.store.getJob(jobId)).toEqual(before);
  expect((await s.ctx.store.readEvents(jobId, 0, 10_000)).length).toBe(eventsBefore);
  return (err as Error).message;
}

async function eventTypes(s: Scenario, jobId: string): Promise<string[]> {
  return (await s.ctx.store.readEvents(jobId, 0, 10_000)).map((e) => e.type);
}

forEachProvider(({ newStore }) => {
  it("diamond DAG: runs in order, each level promoted by the request that finished the last dependency", async () => {
    const s = scenario(await newStore());
    const a = await s.submit({ verify: "true" }, "A");
    const b = await s.submit({ verify: "true", deps: [a.id] }, "B");
    const c = await s.submit({ verify: "true", deps: [a.id] }, "C");
    const d = await s.submit({ verify: "true", deps: [b.id, c.id] }, "D");
    expect([b.stage, c.stage, d.stage]).toEqual(["blocked", "blocked", "blocked"]);
    expect((await s.ctx.store.getJob(d.id))!.blockedReasons).toHaveLength(2);
    const agent = await s.factory();
    let woken = 0;
    s.ctx.notifier.onQueued(() => woken++);

    const la = await agent.claim();
    expect(la?.jobId).toBe(a.id);
    expect(await agent.claim()).toBeUndefined(); // B, C, D wait for A
    await agent.complete(la!, green);
    // Promoted in the same call: no sweep ran.
    expect((await s.ctx.store.getJob(b.id))!.stage).toBe("queued");
    expect((await s.ctx.store.getJob(c.id))!.stage).toBe("queued");
    expect(woken).toBeGreaterThan(0);
    const l1 = await agent.claim();
    const l2 = await agent.claim();
    expect(new Set([l1?.jobId, l2?.jobId])).toEqual(new Set([b.id, c.id]));
    await agent.complete(l1!, green);
    const dMid = (await s.ctx.store.getJob(d.id))!;
    expect(dMid.stage).toBe("blocked");
    expect(dMid.blockedReasons).toEqual([expect.stringContaining(l2!.jobId)]);
    await agent.complete(l2!, green);
    expect((await s.ctx.store.getJob(d.id))!.stage).toBe("queued");
    expect((await agent.claim())?.jobId).toBe(d.id);
  });

  it("deps by idempotency key submitted later resolve on arrival; a cycle through keys is refused and spelled out", async () => {
    const s = scenario(await newStore());
    const e = await s.submit({ deps: ["key-f"] }, "E");
    expect((await s.ctx.store.getJob(e.id))!.blockedReasons).toEqual(["waiting for key key-f (not submitted yet)"]);
    const f = await s.submit({ "idempotency-key": "key-f", verify: "true" }, "F");
    expect((await s.ctx.store.getJob(e.id))!.blockedReasons).toEqual([`waiting for ${f.id} (F), now queued`]);
    const agent = await s.factory();
    await agent.complete((await agent.claim())!, green);
    expect((await s.ctx.store.getJob(e.id))!.stage).toBe("queued");

    await s.submit({ "idempotency-key": "g", deps: ["h"] }, "G");
    const err = await s.submit({ "idempotency-key": "h", deps: ["g"] }, "H").then(() => undefined, (x: unknown) => x);
    expect(isFleetError(err, "cycle")).toBe(true);
    expect((err as Error).message).toBe("dependency cycle: H → G → H");
  });

  it("a failed dependency blocks with that reason; requeueing it turns the reason back into waiting", async () => {
    const s = scenario(await newStore());
    const a = await s.submit({ retry: { max: 0, backoff: "1s", on: ["timeout"] } }, "A");
    const b = await s.submit({ deps: [a.id] }, "B");
    const agent = await s.factory();
    const lease = await agent.claim();
    expect((await agent.complete(lease!, { outcome: "failed", exitCode: 2 })).stage).toBe("failed");
    expect((await s.ctx.store.getJob(b.id))!.blockedReasons).toEqual([`${a.id} (A) failed: requeue it to unblock this job`]);
    expect(await eventTypes(s, b.id)).toContain("deps:changed");
    await actOnJob(s.ctx, a.id, { action: "requeue" }, OPERATOR);
    const bNow = (await s.ctx.store.getJob(b.id))!;
    expect(bNow.stage).toBe("blocked");
    expect(bNow.blockedReasons).toEqual([`waiting for ${a.id} (A), now queued`]);
  });

  it("two jobs with one lock never hold leases at once; the waiting one names the holder", async () => {
    const s = scenario(await newStore());
    const j1 = await s.submit({ lock: "db" }, "first");
    const j2 = await s.submit({ lock: "db" }, "second");
    const a = await s.factory("a");
    const b = await s.factory("b");
    const l1 = await a.claim();
    // Either may go first (equal priority); the other one waits.
    const [first, second] = l1?.jobId === j1.id ? [j1, j2] : [j2, j1];
    expect(l1?.jobId).toBe(first.id);
    s.clock.advance(1_000);
    expect(await b.claim()).toBeUndefined();
    expect((await getJob(s.ctx, second.id)).pendingReason).toBe(`waiting for lock db, held by ${first.id} (${first.id === j1.id ? "first" : "second"})`);
    expect(await s.ctx.store.lockHolders(["db"])).toEqual({ db: first.id });
    s.clock.advance(1_000);
    await a.complete(l1!, { outcome: "succeeded", exitCode: 0 });
    s.clock.advance(1_000);
    const l2 = await b.claim();
    expect(l2?.jobId).toBe(second.id);
    // Checked from the events: the second lease starts after the first attempt ended.
    const ended = (await s.ctx.store.readEvents(first.id, 0, 100)).find((e) => e.type === "run:completed")!.at;
    const granted = (await s.ctx.store.readEvents(second.id, 0, 100)).find((e) => e.type === "lease:granted")!.at;
    expect(granted).toBeGreaterThan(ended);
  });

  it("a perpetually failing job lands in dead_letter after exactly retry.max retries, with backoff between attempts and every attempt's diagnostics", async () => {
    const s = scenario(await newStore());
    const job = await s.submit({ retry: { max: 2, backoff: "10s", on: ["agent_failed"] } }, "flaky");
    // One factory per attempt: the scheduler steers work away from a factory that just failed it.
    const agents = [await s.factory(), await s.factory(), await s.factory()];
    const grants: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const agent = agents[attempt - 1]!;
      const lease = await agent.claim();
      expect(lease?.jobId, `attempt ${attempt} is granted`).toBe(job.id);
      grants.push(s.clock.now);
      await agent.events(lease!, [{ seq: 1, type: "log", stream: "stderr", text: `boom ${attempt}\n` }]);
      const r = await agent.complete(lease!, { outcome: "failed", exitCode: 40 + attempt });
      if (attempt < 3) {
        expect(r.stage).toBe("queued");
        const wait = 10_000 * 2 ** (attempt - 1) * 1.25;
        expect((await s.ctx.store.getJob(job.id))!.notBefore).toBe(s.clock.now + wait);
        s.clock.advance(wait - 1);
        expect(await agents[attempt]!.claim(), "not before the backoff").toBeUndefined();
        // The claim path re-reads the queue at most pollMs after a backoff ends.
        s.clock.advance(1 + s.ctx.pollMs);
      } else {
        expect(r.stage).toBe("dead_letter");
      }
    }
    expect(grants[1]! - grants[0]!).toBe(12_500 + s.ctx.pollMs);
    expect(grants[2]! - grants[1]!).toBe(25_000 + s.ctx.pollMs);
    const final = (await s.ctx.store.getJob(job.id))!;
    expect(final.attempts).toBe(3);
    expect(await s.ctx.store.listRuns(job.id)).toHaveLength(3);
    const dead = (await s.ctx.store.readEvents(job.id, 0, 1000)).find((e) => e.type === "job:dead_lettered")!;
    const attempts = (dead.data as { attempts: { exitCode: number; factoryId: string; lastLog: string[] }[] }).attempts;
    expect(attempts.map((a) => a.exitCode)).toEqual([41, 42, 43]);
    expect(attempts.map((a) => a.factoryId)).toEqual(agents.map((a) => a.factoryId));
    expect(attempts.map((a) => a.lastLog)).toEqual([["boom 1"], ["boom 2"], ["boom 3"]]);
    expect(await eventTypes(s, job.id)).toContain("alert:raised");
    expect((await stats(s.ctx)).alerts).toContainEqual(expect.objectContaining({ kind: "dead_letter", subject: job.id }));
  });

  it("a failure kind not in retry.on fails at once; verify_failed is retried when listed", async () => {
    const s = scenario(await newStore());
    const agent = await s.factory();
    const a = await s.submit({ retry: { max: 3, backoff: "1s", on: ["timeout"] } }, "no retry");
    expect((await agent.complete((await agent.claim())!, { outcome: "failed", exitCode: 1 })).stage).toBe("failed");
    const b = await s.submit({ verify: "npm test", retry: { max: 1, backoff: "1s", on: ["verify_failed"] } }, "verify retry");
    const lb = await agent.claim();
    expect(lb?.jobId).toBe(b.id);
    expect((await agent.complete(lb!, { outcome: "succeeded", exitCode: 0, verify: { passed: false, exitCode: 1, output: "1 failing" } })).stage).toBe("queued");
    const changes = (await s.ctx.store.readEvents(b.id, 0, 100)).filter((e) => e.type === "stage:changed").map((e) => (e.data as { to: string }).to);
    expect(changes.slice(-3)).toEqual(["review", "failed", "queued"]);
    expect(a.id).not.toBe(b.id);
  });

  it("lost leases are reclaimed without counting unless retry.on lists lease_lost, and stop after the bound", async () => {
    const s = scenario(await newStore());
    const job = await s.submit({ retry: { max: 5, backoff: "1s", on: ["agent_failed"] } }, "killer");
    for (let loss = 1; loss <= 3; loss++) {
      const agent = await s.factory();
      expect((await agent.claim())?.jobId).toBe(job.id);
      s.clock.advance(s.ctx.leaseTtlMs + 1);
      await sweepOnce(s.ctx);
      const j = (await s.ctx.store.getJob(job.id))!;
      expect(j.attempts).toBe(0);
      expect(j.stage).toBe(loss < 3 ? "queued" : "dead_letter");
    }
    expect(await eventTypes(s, job.id)).toContain("job:dead_lettered");
  });

  it("review-policy manual waits in testing until shipped; auto ships itself", async () => {
    const s = scenario(await newStore());
    const agent = await s.factory();
    const manual = await s.submit({ verify: "true", "review-policy": "manual" }, "manual");
    expect((await agent.complete((await agent.claim())!, green)).stage).toBe("testing");
    s.clock.advance(3_600_000);
    await sweepOnce(s.ctx);
    expect((await s.ctx.store.getJob(manual.id))!.stage).toBe("testing");
    expect((await actOnJob(s.ctx, manual.id, { action: "ship" }, OPERATOR)).stage).toBe("shipped");
    await heartbeat(s.ctx, agent.factoryId, agent.factoryId, { load: 0, free: [], running: [] });
    const auto = await s.submit({ verify: "true", "review-policy": "auto", "allowed-scope": ["src/**"] }, "auto");
    const la = await agent.claim();
    expect(la?.jobId).toBe(auto.id);
    expect((await agent.complete(la!, { ...green, scope: { changed: ["src/a.ts"], outOfScope: [] } })).stage).toBe("shipped");
  });

  it("reviewers: each approval is recorded once, ship waits for all of them", async () => {
    const s = scenario(await newStore());
    const agent = await s.factory();
    const job = await s.submit({ verify: "true", "review-policy": { reviewers: ["@alice", "@bob"] } }, "reviewed");
    await agent.complete((await agent.claim())!, green);
    const alice = { id: "alice@example.com", role: "operator" as const };
    const after = await actOnJob(s.ctx, job.id, { action: "approve" }, alice);
    expect(after.stage).toBe("testing");
    expect((await s.ctx.store.getJob(job.id))!.approvals).toEqual(["@alice"]);
    expect(await refused(s, job.id, () => actOnJob(s.ctx, job.id, { action: "approve" }, alice), "illegal_transition")).toMatch(/already approved/);
    await refused(s, job.id, () => actOnJob(s.ctx, job.id, { action: "approve" }, { id: "mallory@example.com", role: "operator" }), "forbidden");
    expect(await refused(s, job.id, () => actOnJob(s.ctx, job.id, { action: "ship" }, OPERATOR), "approval_required")).toMatch(/@bob/);
    expect((await actOnJob(s.ctx, job.id, { action: "approve" }, { id: "bob@example.com", role: "operator" })).stage).toBe("shipped");
    expect(await eventTypes(s, job.id)).toEqual(expect.arrayContaining(["approval:recorded"]));
  });

  it("an out-of-scope change blocks ship (409 listing the files) unless an admin overrides with a reason", async () => {
    const s = scenario(await newStore());
    const agent = await s.factory();
    const job = await s.submit({ verify: "true", "review-policy": "auto", "allowed-scope": ["src/**"] }, "scoped");
    const r = await agent.complete((await agent.claim())!, { ...green, scope: { changed: ["src/ok.ts", "infra/prod.tf"], outOfScope: [".env"] } });
    expect(r.stage).toBe("testing"); // auto does not ship a dirty scope
    const msg = await refused(s, job.id, () => actOnJob(s.ctx, job.id, { action: "ship" }, OPERATOR), "scope_violation");
    expect(msg).toContain(".env, infra/prod.tf");
    await refused(s, job.id, () => actOnJob(s.ctx, job.id, { action: "ship", override: true, reason: "ok" }, OPERATOR), "forbidden");
    await refused(s, job.id, () => actOnJob(s.ctx, job.id, { action: "ship", override: true }, ADMIN), "validation");
    expect((await actOnJob(s.ctx, job.id, { action: "ship", override: true, reason: "infra change agreed in review" }, ADMIN)).stage).toBe("shipped");
    const over = (await s.ctx.store.readEvents(job.id, 0, 100)).find((e) => e.type === "ship:overridden")!;
    expect(over.data).toMatchObject({ by: ADMIN.id, reason: "infra change agreed in review", scope: [".env", "infra/prod.tf"] });
  });

  it("a budget breach pauses the job and cancels its lease within one heartbeat; resume needs a raised budget", async () => {
    const s = scenario(await newStore());
    const agent = await s.factory();
    const job = await s.submit({ budget: { usd: 1 } }, "spender");
    const lease = (await agent.claim())!;
    await agent.events(lease, [{ seq: 1, type: "stage", stage: "building" }, { seq: 2, type: "cost", usd: 0.6 }]);
    // A repeated report is not counted twice.
    await agent.events(lease, [{ seq: 2, type: "cost", usd: 0.6 }]);
    expect((await s.ctx.store.getJob(job.id))!).toMatchObject({ stage: "building", cost: { usd: 0.6 } });
    await agent.events(lease, [{ seq: 3, type: "cost", usd: 0.5 }]);
    const paused = (await s.ctx.store.getJob(job.id))!;
    expect(paused.stage).toBe("paused");
    expect(paused.pendingReason).toMatch(/budget exceeded: usd 1.1 of 1/);
    const hb = await heartbeat(s.ctx, agent.factoryId, agent.factoryId, { load: 0, free: [], running: [{ leaseId: lease.leaseId, epoch: lease.epoch }] });
    expect(hb.cancel).toEqual([lease.leaseId]);
    const renewErr = await renew(s.ctx, agent.factoryId, lease.leaseId, lease.epoch).then(() => undefined, (e: unknown) => e);
    expect((renewErr as { code?: string }).code).toBe("cancelled");
    expect(await eventTypes(s, job.id)).toEqual(expect.arrayContaining(["budget:exceeded", "alert:raised"]));
    expect((await stats(s.ctx)).alerts).toContainEqual(expect.objectContaining({ kind: "budget_exceeded", subject: job.id }));
    // The agent stops and reports its totals; the job stays paused and counts the cost once.
    await agent.complete(lease, { outcome: "cancelled", cost: { usd: 1.1 } });
    expect((await s.ctx.store.getJob(job.id))!).toMatchObject({ stage: "paused", cost: { usd: 1.1 } });
    await refused(s, job.id, () => actOnJob(s.ctx, job.id, { action: "resume" }, OPERATOR), "budget_exceeded");
    const resumed = await actOnJob(s.ctx, job.id, { action: "resume", budget: { usd: 10 } }, OPERATOR);
    expect(resumed.stage).toBe("queued");
    expect((await s.ctx.store.getJob(job.id))!.manifest.budget).toEqual({ usd: 10 });
    s.clock.advance(10_000); // past the claim path's memory of its own recent grant
    expect((await agent.claim())?.jobId).toBe(job.id);
  });

  it("live cost: each cost event counts once across re-sent and overlapping batches, without reading the event log", async () => {
    const s = scenario(await newStore());
    const agent = await s.factory();
    const job = await s.submit({ budget: { usd: 100 } }, "counted");
    const lease = (await agent.claim())!;
    await agent.events(lease, [{ seq: 1, type: "stage", stage: "building" }]);
    s.ctx.store.resetOpCounts();
    await agent.events(lease, [{ seq: 2, type: "cost", usd: 1, tokensIn: 10 }, { seq: 3, type: "cost", usd: 2 }]);
    // The same batch again (the agent never saw the answer), then a retry that grew by one event.
    await agent.events(lease, [{ seq: 2, type: "cost", usd: 1, tokensIn: 10 }, { seq: 3, type: "cost", usd: 2 }]);
    await agent.events(lease, [{ seq: 3, type: "cost", usd: 2 }, { seq: 4, type: "cost", usd: 4, tokensOut: 7 }]);
    // A repeated seq with other numbers: the stored event is the one that counts.
    await agent.events(lease, [{ seq: 4, type: "cost", usd: 50 }]);
    const live = (await s.ctx.store.getJob(job.id))!;
    expect(live.cost).toMatchObject({ usd: 7, tokensIn: 10, tokensOut: 7 });
    expect(live.liveCost).toMatchObject({ leaseId: lease.leaseId, throughSeq: 4, cost: { usd: 7, tokensIn: 10, tokensOut: 7 } });
    expect(s.ctx.store.opCounts().readEvents ?? 0).toBe(0);
    // The final report replaces the live total: counted once.
    await agent.complete(lease, { outcome: "failed", exitCode: 1, cost: { usd: 7.5 } });
    const done = (await s.ctx.store.getJob(job.id))!;
    expect(done.cost.usd).toBe(7.5);
    expect(done.liveCost).toBeUndefined();
  });

  it("budget.wall counts the running attempt: the heartbeat that crosses it cancels the lease", async () => {
    const s = scenario(await newStore());
    const agent = await s.factory();
    const job = await s.submit({ budget: { wall: "30s" } }, "slow");
    const lease = (await agent.claim())!;
    s.clock.advance(29_000);
    const hb1 = await heartbeat(s.ctx, agent.factoryId, agent.factoryId, { load: 0, free: [], running: [{ leaseId: lease.leaseId, epoch: lease.epoch }] });
    expect(hb1.cancel).toEqual([]);
    s.clock.advance(1_000);
    const hb2 = await heartbeat(s.ctx, agent.factoryId, agent.factoryId, { load: 0, free: [], running: [{ leaseId: lease.leaseId, epoch: lease.epoch }] });
    expect(hb2.cancel).toEqual([lease.leaseId]);
    expect((await s.ctx.store.getJob(job.id))!.stage).toBe("paused");
  });

  it("the kill switch stops every claim until lifted; heartbeats carry it; a paused product stops its claims", async () => {
    const s = scenario(await newStore());
    const agent = await s.factory();
    const job = await s.submit({}, "held");
    await setKillSwitch(s.ctx, { on: true, reason: "incident" }, ADMIN.id);
    expect(await agent.claim()).toBeUndefined();
    expect((await heartbeat(s.ctx, agent.factoryId, agent.factoryId, { load: 0, free: [], running: [] })).killSwitch).toBe(true);
    expect(await agent.claim()).toBeUndefined();
    await setKillSwitch(s.ctx, { on: false, reason: "" }, ADMIN.id);
    expect((await heartbeat(s.ctx, agent.factoryId, agent.factoryId, { load: 0, free: [], running: [] })).killSwitch).toBe(false);
    const l = await agent.claim();
    expect(l?.jobId).toBe(job.id);

    const other = await s.submit({ product: "p2" }, "p2 job");
    await setProductPaused(s.ctx, "p2", { paused: true, reason: "" });
    expect(await agent.claim()).toBeUndefined();
    expect((await stats(s.ctx)).pausedProducts).toEqual(["p2"]);
    await setProductPaused(s.ctx, "p2", { paused: false, reason: "" });
    expect((await agent.claim())?.jobId).toBe(other.id);
  });

  it("illegal actions are refused with a reason and change nothing", async () => {
    const s = scenario(await newStore());
    const agent = await s.factory();
    const failed = await s.submit({ retry: { max: 0, backoff: "1s", on: ["timeout"] } }, "failing");
    await agent.complete((await agent.claim())!, { outcome: "failed", exitCode: 1 });
    expect(await refused(s, failed.id, () => actOnJob(s.ctx, failed.id, { action: "ship" }, OPERATOR), "illegal_transition")).toMatch(/failed/);
    const shipped = await s.submit({ verify: "true", "review-policy": "auto" }, "shipped");
    await agent.complete((await agent.claim())!, green);
    expect((await s.ctx.store.getJob(shipped.id))!.stage).toBe("shipped");
    expect(await refused(s, shipped.id, () => actOnJob(s.ctx, shipped.id, { action: "resume" }, OPERATOR), "illegal_transition")).toMatch(/shipped/);
    await refused(s, shipped.id, () => actOnJob(s.ctx, shipped.id, { action: "approve" }, OPERATOR), "illegal_transition");
    const queued = await s.submit({}, "queued");
    await refused(s, queued.id, () => actOnJob(s.ctx, queued.id, { action: "requeue", override: true, reason: "x" }, ADMIN), "illegal_transition");
    await refused(s, queued.id, () => actOnJob(s.ctx, queued.id, { action: "pause", override: true, reason: "x" }, ADMIN), "validation");
  });

  it("alerts: stalled jobs are raised once by the sweeper; an offline factory shows in /stats", async () => {
    const s = scenario(await newStore(), { stallMs: 120_000 });
    s.ctx.leaseTtlMs = 3_600_000;
    const agent = await s.factory();
    const job = await s.submit({}, "quiet");
    const lease = (await agent.claim())!;
    await agent.events(lease, [{ seq: 1, type: "log", stream: "stdout", text: "started\n" }]);
    s.clock.advance(119_000);
    await heartbeat(s.ctx, agent.factoryId, agent.factoryId, { load: 0, free: [], running: [{ leaseId: lease.leaseId, epoch: lease.epoch }] });
    await sweepOnce(s.ctx);
    expect((await eventTypes(s, job.id)).filter((t) => t === "alert:raised")).toHaveLength(0);
    s.clock.advance(1_000);
    await sweepOnce(s.ctx);
    await sweepOnce(s.ctx);
    const raised = (await s.ctx.store.readEvents(job.id, 0, 100)).filter((e) => e.type === "alert:raised");
    expect(raised.map((e) => (e.data as { kind: string }).kind)).toEqual(["job_stalled"]);
    expect((await stats(s.ctx)).alerts).toContainEqual(expect.objectContaining({ kind: "job_stalled", subject: job.id }));
    s.clock.advance(s.ctx.offlineAfterMs + 1);
    expect((await stats(s.ctx)).alerts).toContainEqual(expect.objectContaining({ kind: "factory_offline", subject: agent.factoryId }));
  });
});
