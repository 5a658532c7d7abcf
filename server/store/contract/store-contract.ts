import "server-only";
import { describe, expect, it } from "vitest";
import { isStoreError, type StoreErrorCode } from "../errors";
import type { Store } from "../port";
import type { StoreFactory } from "../testing";
import { newJob } from "./fixtures";

/**
 * The behaviour every provider must show, run unchanged against SQLite and Cosmos
 * (sqlite.contract.test.ts, cosmos.contract.test.ts). Times are fixed numbers: the store never reads
 * the clock, so nothing here depends on how fast the machine is.
 */

async function expectCode(p: Promise<unknown>, code: StoreErrorCode): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isStoreError(e), `expected StoreError ${code}, got ${String(e)}`).toBe(true);
  expect((e as { code: string }).code).toBe(code);
}

const TTL = 10_000;

async function claimed(store: Store, over: Parameters<typeof newJob>[0] = {}, leaseId = "L-" + Math.random().toString(36).slice(2)) {
  const { job } = await store.submitJob(newJob(over));
  const grant = await store.claimJob({ jobId: job.id, factoryId: "f1", engine: "claude", leaseId, ttlMs: TTL, now: 2_000 });
  if (!grant) throw new Error("claim failed");
  return grant;
}

export function storeContract(factory: StoreFactory): void {
  const { newStore } = factory;

  describe("submitJob", () => {
    it("creates a queued job with every record field", async () => {
      const store = await newStore();
      const input = newJob({ title: "Fix the login", lock: "web" });
      const { job, created } = await store.submitJob(input);
      expect(created).toBe(true);
      expect(job).toMatchObject({
        id: input.id,
        productId: "p1",
        title: "Fix the login",
        stage: "queued",
        priority: "medium",
        lock: "web",
        epoch: 0,
        attempts: 0,
        version: 1,
        cost: { usd: 0, tokensIn: 0, tokensOut: 0, wallMs: 0 },
      });
      expect(await store.getJob(job.id)).toEqual(job);
      expect(await store.getJob("nope")).toBeUndefined();
    });

    it("same idempotency key + same content returns the existing job; other content conflicts", async () => {
      const store = await newStore();
      const a = newJob({ idempotencyKey: "k1" });
      const first = await store.submitJob(a);
      const again = await store.submitJob({ ...a, id: "ignored", now: 5_000 });
      expect(again).toEqual({ job: first.job, created: false });
      await expectCode(store.submitJob({ ...a, contentHash: "other" }), "conflict");
      expect(await store.getJobByKey("p1", "k1")).toEqual(first.job);
      expect(await store.getJobByKey("p2", "k1")).toBeUndefined();
      // the same key in another product is another job
      const other = await store.submitJob({ ...a, productId: "p2" });
      expect(other.created).toBe(true);
      expect(other.job.id).not.toBe(first.job.id);
    });

    it("racing submits of one key create exactly one job", async () => {
      const store = await newStore();
      const a = newJob({ idempotencyKey: "race" });
      const results = await Promise.all(Array.from({ length: 8 }, () => store.submitJob(a)));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.job.id)).size).toBe(1);
    });

    it("a duplicate id without a key conflicts", async () => {
      const store = await newStore();
      const a = newJob();
      await store.submitJob(a);
      await expectCode(store.submitJob(a), "conflict");
    });
  });

  describe("claimJob", () => {
    it("grants a lease, increments epoch, records run and lease history; a second claim gets null", async () => {
      const store = await newStore();
      const { job } = await store.submitJob(newJob());
      const grant = await store.claimJob({
        jobId: job.id, factoryId: "f1", engine: "claude", leaseId: "L1", ttlMs: TTL, now: 2_000,
        decision: { score: 3 }, profile: { name: "dev", version: "v1" },
      });
      expect(grant?.job).toMatchObject({ stage: "assigned", epoch: 1, version: 2, decision: { score: 3 }, profile: { name: "dev", version: "v1" } });
      expect(grant?.lease).toEqual({ id: "L1", epoch: 1, factoryId: "f1", engine: "claude", grantedAt: 2_000, expiresAt: 12_000 });
      expect(await store.claimJob({ jobId: job.id, factoryId: "f2", engine: "codex", leaseId: "L2", ttlMs: TTL, now: 2_001 })).toBeNull();
      const runs = await store.listRuns(job.id);
      expect(runs).toEqual([expect.objectContaining({ id: "L1", attempt: 1, epoch: 1, factoryId: "f1", startedAt: 2_000, profile: { name: "dev", version: "v1" } })]);
      expect(await store.listLeases(job.id)).toEqual([expect.objectContaining({ id: "L1", epoch: 1, state: "active" })]);
      expect(await store.fairnessCounters()).toEqual([{ productId: "p1", claimsGranted: 1, runningNow: 1, usageMs: 0 }]);
    });

    it("keeps the engine and tool versions of the claim with the lease and the run, through its end and an expiry", async () => {
      const store = await newStore();
      const versions = { engine: "2.1.4", tools: { claude: "2.1.4", node: "20.11.1", git: "2.43.0" } };
      const { job } = await store.submitJob(newJob());
      const grant = await store.claimJob({ jobId: job.id, factoryId: "f1", engine: "claude", leaseId: "LV", ttlMs: TTL, now: 2_000, versions });
      expect(grant?.lease.versions).toEqual(versions);
      expect(grant?.run.versions).toEqual(versions);
      expect((await store.listRuns(job.id))[0]?.versions).toEqual(versions);
      await store.completeAttempt({ leaseId: "LV", epoch: 1, now: 4_000, result: { outcome: "succeeded", exitCode: 0 }, next: { stage: "review", countAttempt: false } });
      expect(await store.listRuns(job.id)).toEqual([expect.objectContaining({ id: "LV", endedAt: 4_000, versions })]);
      // An attempt that ends by expiry keeps them too; a claim without versions records none.
      const { job: b } = await store.submitJob(newJob());
      await store.claimJob({ jobId: b.id, factoryId: "f1", engine: "claude", leaseId: "LW", ttlMs: TTL, now: 5_000, versions });
      await store.reapExpiredLeases(5_000 + TTL + 1, () => ({ to: "queued", countAttempt: true }));
      expect((await store.listRuns(b.id))[0]).toMatchObject({ endedBy: "lease_expired", versions });
      await store.claimJob({ jobId: b.id, factoryId: "f1", engine: "claude", leaseId: "LX2", ttlMs: TTL, now: 5_000 + TTL + 100_000 });
      expect((await store.listRuns(b.id)).find((r) => r.id === "LX2")?.versions).toBeUndefined();
    });

    it("records the grant's events with it, built from the grant; a refused claim records none", async () => {
      const store = await newStore();
      const { job } = await store.submitJob(newJob());
      const built: number[] = [];
      const events = (g: { lease: { epoch: number } }) => {
        built.push(g.lease.epoch);
        return [
          { type: "decision:made", at: 2_000, data: { score: 3 } },
          { type: "lease:granted", at: 2_000, data: { epoch: g.lease.epoch } },
        ];
      };
      const grant = await store.claimJob({ jobId: job.id, factoryId: "f1", engine: "e", leaseId: "LE1", ttlMs: TTL, now: 2_000, events });
      expect(grant?.lease.epoch).toBe(1);
      expect(await store.claimJob({ jobId: job.id, factoryId: "f2", engine: "e", leaseId: "LE2", ttlMs: TTL, now: 2_001, events })).toBeNull();
      expect(built).toEqual([1]);
      const log = await store.readEvents(job.id, 0, 100);
      const granted = log.filter((e) => e.type === "decision:made" || e.type === "lease:granted");
      expect(granted.map((e) => [e.type, e.data])).toEqual([
        ["decision:made", { score: 3 }],
        ["lease:granted", { epoch: 1 }],
      ]);
      // seqs stay gap-free and ordered after whatever the submit recorded
      expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
    });

    it("refuses a stale expectedVersion, a future notBefore and an unknown job", async () => {
      const store = await newStore();
      const { job } = await store.submitJob(newJob());
      expect(await store.claimJob({ jobId: job.id, expectedVersion: 99, factoryId: "f", engine: "e", leaseId: "L", ttlMs: TTL, now: 2_000 })).toBeNull();
      await store.transitionStage(job.id, { to: "queued", now: 2_000, patch: { notBefore: 5_000 } });
      expect(await store.claimJob({ jobId: job.id, factoryId: "f", engine: "e", leaseId: "L", ttlMs: TTL, now: 4_999 })).toBeNull();
      expect(await store.claimJob({ jobId: job.id, factoryId: "f", engine: "e", leaseId: "L", ttlMs: TTL, now: 5_000 })).not.toBeNull();
      expect(await store.claimJob({ jobId: "missing", factoryId: "f", engine: "e", leaseId: "L9", ttlMs: TTL, now: 5_000 })).toBeNull();
    });

    it("never lets two jobs with the same lock hold leases at once", async () => {
      const store = await newStore();
      const a = await claimed(store, { lock: "web" }, "LA");
      const { job: b } = await store.submitJob(newJob({ lock: "web" }));
      const { job: c } = await store.submitJob(newJob({ lock: "api" }));
      expect(await store.claimJob({ jobId: b.id, factoryId: "f", engine: "e", leaseId: "LB", ttlMs: TTL, now: 3_000 })).toBeNull();
      expect(await store.claimJob({ jobId: c.id, factoryId: "f", engine: "e", leaseId: "LC", ttlMs: TTL, now: 3_000 })).not.toBeNull();
      await store.completeAttempt({ leaseId: "LA", epoch: a.lease.epoch, now: 4_000, result: { outcome: "succeeded", exitCode: 0 }, next: { stage: "review", countAttempt: false } });
      expect(await store.claimJob({ jobId: b.id, factoryId: "f", engine: "e", leaseId: "LB", ttlMs: TTL, now: 4_001 })).not.toBeNull();
    });

    it("lockHolders names the job whose lease holds each lock, and only while it does", async () => {
      const store = await newStore();
      const a = await claimed(store, { lock: "web" }, "LH");
      await store.submitJob(newJob({ lock: "api" }));
      expect(await store.lockHolders(["web", "api", "none"])).toEqual({ web: a.job.id });
      await store.completeAttempt({ leaseId: "LH", epoch: a.lease.epoch, now: 4_000, result: { outcome: "succeeded", exitCode: 0 }, next: { stage: "review", countAttempt: false } });
      expect(await store.lockHolders(["web"])).toEqual({});
    });

    it("a lock held by an expired lease is freed by the sweeper", async () => {
      const store = await newStore();
      await claimed(store, { lock: "db" }, "LX");
      const { job: b } = await store.submitJob(newJob({ lock: "db" }));
      const reaped = await store.reapExpiredLeases(20_000, () => ({ to: "queued", countAttempt: true }));
      expect(reaped).toHaveLength(1);
      expect(await store.claimJob({ jobId: b.id, factoryId: "f", engine: "e", leaseId: "LY", ttlMs: TTL, now: 20_001 })).not.toBeNull();
    });
  });

  describe("listClaimCandidates", () => {
    it("orders queued, unleased, due jobs by priority then age, filtered by product", async () => {
      const store = await newStore();
      const low = await store.submitJob(newJob({ priority: "low", now: 1 }));
      const high = await store.submitJob(newJob({ priority: "high", now: 3 }));
      const crit = await store.submitJob(newJob({ priority: "critical", now: 4 }));
      const high2 = await store.submitJob(newJob({ priority: "high", now: 2 }));
      const other = await store.submitJob(newJob({ priority: "critical", productId: "p2", now: 1 }));
      await store.submitJob(newJob({ stage: "blocked", now: 1 }));
      const later = await store.submitJob(newJob({ now: 1 }));
      await store.transitionStage(later.job.id, { to: "queued", now: 5, patch: { notBefore: 1_000_000 } });
      await store.claimJob({ jobId: crit.job.id, factoryId: "f", engine: "e", leaseId: "Lc", ttlMs: TTL, now: 10 });
      const ids = (await store.listClaimCandidates({ now: 100, limit: 10 })).map((j) => j.id);
      expect(ids).toEqual([other.job.id, high2.job.id, high.job.id, low.job.id]);
      const p1 = (await store.listClaimCandidates({ now: 100, limit: 2, productIds: ["p1"] })).map((j) => j.id);
      expect(p1).toEqual([high2.job.id, high.job.id]);
    });
  });

  describe("renewLease", () => {
    it("extends a valid lease; stale epoch, unknown or expired leases are lease_lost", async () => {
      const store = await newStore();
      const g = await claimed(store, {}, "LR");
      expect(await store.renewLease("LR", 1, 5_000, TTL)).toEqual({ expiresAt: 15_000 });
      expect((await store.getJob(g.job.id))?.lease?.expiresAt).toBe(15_000);
      await expectCode(store.renewLease("LR", 0, 5_000, TTL), "lease_lost");
      await expectCode(store.renewLease("nope", 1, 5_000, TTL), "lease_lost");
      await expectCode(store.renewLease("LR", 1, 15_000, TTL), "lease_lost");
    });

    it("answers cancelled after an operator cancels the job; complete then keeps the stage", async () => {
      const store = await newStore();
      const g = await claimed(store, {}, "LC");
      const cancelled = await store.transitionStage(g.job.id, { to: "cancelled", now: 3_000 });
      expect(cancelled.lease?.cancelled).toBe(true);
      await expectCode(store.renewLease("LC", 1, 3_500, TTL), "cancelled");
      const done = await store.completeAttempt({ leaseId: "LC", epoch: 1, now: 4_000, result: { outcome: "cancelled" }, next: { stage: "failed", countAttempt: true } });
      expect(done.job.stage).toBe("cancelled");
      expect(done.job.lease).toBeUndefined();
      expect(done.run.outcome).toBe("cancelled");
    });
  });

  describe("events and logs", () => {
    it("assigns per-job seq 1..n, ignores a repeated agentSeq, refuses a stale fence", async () => {
      const store = await newStore();
      const g = await claimed(store, {}, "LE");
      const fence = { leaseId: "LE", epoch: 1, now: 3_000 };
      const a = await store.appendEvents(g.job.id, [{ type: "job:queued", at: 1 }, { type: "lease:granted", at: 2, data: { f: 1 } }]);
      expect(a.map((e) => e.seq)).toEqual([1, 2]);
      const b = await store.appendEvents(g.job.id, [{ type: "run:log", at: 3, agentSeq: 1, data: { text: "hi" } }, { type: "cost:tick", at: 4, agentSeq: 2 }], fence);
      expect(b.map((e) => [e.seq, e.leaseId, e.agentSeq])).toEqual([[3, "LE", 1], [4, "LE", 2]]);
      const again = await store.appendEvents(g.job.id, [{ type: "run:log", at: 3, agentSeq: 1, data: { text: "hi" } }, { type: "verify:passed", at: 5, agentSeq: 3 }], fence);
      expect(again.map((e) => e.seq)).toEqual([3, 5]);
      await expectCode(store.appendEvents(g.job.id, [{ type: "x:y", at: 6, agentSeq: 4 }], { ...fence, epoch: 0 }), "lease_lost");
      const all = await store.readEvents(g.job.id, 0, 100);
      expect(all.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(all[1]).toEqual({ jobId: g.job.id, productId: "p1", seq: 2, type: "lease:granted", at: 2, data: { f: 1 } });
      expect((await store.readEvents(g.job.id, 2, 2)).map((e) => e.seq)).toEqual([3, 4]);
      await expectCode(store.appendEvents("missing", [{ type: "x:y", at: 1 }]), "not_found");
    });

    it("per-job reads never mix jobs", async () => {
      const store = await newStore();
      const a = await claimed(store, {}, "LM1");
      const b = await claimed(store, {}, "LM2");
      await store.appendEvents(a.job.id, [{ type: "job:queued", at: 1 }]);
      await store.appendEvents(b.job.id, [{ type: "job:queued", at: 1 }, { type: "x:y", at: 2, agentSeq: 1 }], { leaseId: "LM2", epoch: 1, now: 3_000 });
      await store.appendLog(b.job.id, { leaseId: "LM2", epoch: 1, now: 3_000 }, [{ seq: 1, stream: "stdout", text: "b", at: 1 }]);
      const next = await store.appendEvents(a.job.id, [{ type: "x:y", at: 3, agentSeq: 1 }], { leaseId: "LM1", epoch: 1, now: 3_000 });
      expect(next.map((e) => e.seq)).toEqual([2]);
      expect((await store.readEvents(a.job.id, 0, 10)).map((e) => e.jobId)).toEqual([a.job.id, a.job.id]);
      expect(await store.readLog(a.job.id, 0, 10)).toEqual([]);
      expect((await store.listRuns(a.job.id)).map((r) => r.jobId)).toEqual([a.job.id]);
      expect((await store.listLeases(b.job.id)).map((r) => r.jobId)).toEqual([b.job.id]);
    });

    it("streams fleet-wide events with a cursor", async () => {
      const store = await newStore();
      const { job: a } = await store.submitJob(newJob());
      const { job: b } = await store.submitJob(newJob());
      await store.appendEvents(a.id, [{ type: "job:queued", at: 10 }]);
      await store.appendEvents(b.id, [{ type: "job:queued", at: 11 }]);
      const first = await store.readRecentEvents(undefined, 10);
      expect(first.map((r) => r.event.jobId)).toEqual([a.id, b.id]);
      const cursor = first[first.length - 1]!.cursor;
      expect(await store.readRecentEvents(cursor, 10)).toEqual([]);
      await store.appendEvents(a.id, [{ type: "stage:changed", at: 12 }]);
      const next = await store.readRecentEvents(cursor, 10);
      expect(next.map((r) => [r.event.jobId, r.event.seq])).toEqual([[a.id, 2]]);
    });

    it("stores log chunks idempotently and reads them in order across attempts", async () => {
      const store = await newStore();
      const g = await claimed(store, {}, "LL1");
      const f1 = { leaseId: "LL1", epoch: 1, now: 3_000 };
      await store.appendLog(g.job.id, f1, [{ seq: 1, stream: "stdout", text: "a", at: 1 }, { seq: 2, stream: "stderr", text: "b", at: 2 }]);
      await store.appendLog(g.job.id, f1, [{ seq: 2, stream: "stderr", text: "b", at: 2 }]);
      await store.completeAttempt({ leaseId: "LL1", epoch: 1, now: 4_000, result: { outcome: "failed", exitCode: 1 }, next: { stage: "queued", countAttempt: true } });
      await expectCode(store.appendLog(g.job.id, f1, [{ seq: 3, stream: "stdout", text: "late", at: 3 }]), "lease_lost");
      await store.claimJob({ jobId: g.job.id, factoryId: "f", engine: "e", leaseId: "LL2", ttlMs: TTL, now: 5_000 });
      await store.appendLog(g.job.id, { leaseId: "LL2", epoch: 2, now: 5_001 }, [{ seq: 1, stream: "stdout", text: "c", at: 5 }]);
      const log = await store.readLog(g.job.id, 0, 10);
      expect(log.map((c) => [c.epoch, c.seq, c.text])).toEqual([[1, 1, "a"], [1, 2, "b"], [2, 1, "c"]]);
      expect((await store.readLog(g.job.id, log[1]!.pos, 10)).map((c) => c.text)).toEqual(["c"]);
    });
  });

  describe("lastLogAt", () => {
    it("is the time of the attempt's last chunk, per epoch", async () => {
      const store = await newStore();
      const g = await claimed(store, {}, "LT1");
      expect(await store.lastLogAt(g.job.id, 1)).toBeUndefined();
      const f1 = { leaseId: "LT1", epoch: 1, now: 3_000 };
      await store.appendLog(g.job.id, f1, [{ seq: 1, stream: "stdout", text: "a", at: 2_100 }, { seq: 7, stream: "stdout", text: "b", at: 2_700 }]);
      expect(await store.lastLogAt(g.job.id, 1)).toBe(2_700);
      expect(await store.lastLogAt(g.job.id, 2)).toBeUndefined();
    });
  });

  describe("live cost", () => {
    it("counts a repeated live total once; the run records the whole attempt, the job adds only the rest", async () => {
      const store = await newStore();
      const g = await claimed(store, {}, "LC1");
      const live = (usd: number, tokensIn: number) => ({ to: "assigned" as const, now: 2_500, patch: { liveCost: { leaseId: "LC1", cost: { usd, tokensIn } } } });
      await store.transitionStage(g.job.id, live(0.5, 50));
      await store.transitionStage(g.job.id, live(1, 100));
      const mid = await store.transitionStage(g.job.id, live(1, 100));
      expect(mid.cost).toMatchObject({ usd: 1, tokensIn: 100 });
      const done = await store.completeAttempt({
        leaseId: "LC1", epoch: 1, now: 4_000,
        result: { outcome: "failed", exitCode: 1, cost: { usd: 1.5, tokensIn: 150 } },
        next: { stage: "failed", countAttempt: true },
      });
      expect(done.run.cost).toMatchObject({ usd: 1.5, tokensIn: 150 });
      expect(done.job.cost).toMatchObject({ usd: 1.5, tokensIn: 150, wallMs: 2_000 });
      expect(done.job.liveCost).toBeUndefined();
    });

    it("without a final cost report the run keeps what the live events said", async () => {
      const store = await newStore();
      const g = await claimed(store, {}, "LC2");
      await store.transitionStage(g.job.id, { to: "assigned", now: 2_500, patch: { liveCost: { leaseId: "LC2", cost: { usd: 2 } } } });
      const done = await store.completeAttempt({ leaseId: "LC2", epoch: 1, now: 4_000, result: { outcome: "failed", exitCode: 1 }, next: { stage: "failed", countAttempt: true } });
      expect(done.run.cost.usd).toBe(2);
      expect(done.job.cost.usd).toBe(2);
    });
  });

  describe("completeAttempt", () => {
    it("records exactly one result: a second complete is a duplicate, a stale holder is refused", async () => {
      const store = await newStore();
      const g = await claimed(store, {}, "LK");
      const req = {
        leaseId: "LK", epoch: 1, now: 5_000,
        result: { outcome: "succeeded" as const, exitCode: 0, verify: { passed: true, exitCode: 0, output: "ok" }, cost: { usd: 0.5, tokensIn: 10 } },
        next: { stage: "testing" as const, via: ["review" as const], countAttempt: false },
        events: [{ type: "verify:passed", at: 5_000 }],
      };
      const first = await store.completeAttempt(req);
      expect(first.duplicate).toBe(false);
      expect(first.job).toMatchObject({ stage: "testing", cost: { usd: 0.5, tokensIn: 10, tokensOut: 0, wallMs: 3_000 } });
      expect(first.job.lease).toBeUndefined();
      expect(first.run).toMatchObject({ endedAt: 5_000, endedBy: "agent", outcome: "succeeded", exitCode: 0 });
      const second = await store.completeAttempt({ ...req, now: 6_000, result: { outcome: "failed" } });
      expect(second.duplicate).toBe(true);
      expect(second.run).toEqual(first.run);
      expect((await store.getJob(g.job.id))?.version).toBe(first.job.version);
      expect((await store.readEvents(g.job.id, 0, 10)).map((e) => e.type)).toEqual(["verify:passed"]);
      await expectCode(store.completeAttempt({ ...req, epoch: 0 }), "lease_lost");
      expect((await store.listLeases(g.job.id))[0]?.state).toBe("completed");
      expect(await store.fairnessCounters()).toEqual([{ productId: "p1", claimsGranted: 1, runningNow: 0, usageMs: 3_000 }]);
    });

    it("refuses an illegal next stage and writes nothing", async () => {
      const store = await newStore();
      const g = await claimed(store, {}, "LI");
      await expectCode(
        store.completeAttempt({ leaseId: "LI", epoch: 1, now: 3_000, result: { outcome: "succeeded" }, next: { stage: "shipped", countAttempt: false } }),
        "illegal_transition",
      );
      expect(await store.getJob(g.job.id)).toEqual(g.job);
    });

    it("a holder whose lease was reaped and re-granted is refused", async () => {
      const store = await newStore();
      const g = await claimed(store, {}, "LS1");
      await store.reapExpiredLeases(13_000, () => ({ to: "queued", countAttempt: true }));
      await store.claimJob({ jobId: g.job.id, factoryId: "f2", engine: "e", leaseId: "LS2", ttlMs: TTL, now: 13_001 });
      await expectCode(store.completeAttempt({ leaseId: "LS1", epoch: 1, now: 13_002, result: { outcome: "succeeded" }, next: { stage: "review", countAttempt: false } }), "lease_lost");
      await expectCode(store.renewLease("LS1", 1, 13_002, TTL), "lease_lost");
      const runs = await store.listRuns(g.job.id);
      expect(runs.map((r) => [r.attempt, r.endedBy ?? null])).toEqual([[1, "lease_expired"], [2, null]]);
    });
  });

  describe("transitionStage", () => {
    it("guards with the stage machine, from, and expectedVersion; same stage patches only", async () => {
      const store = await newStore();
      const { job } = await store.submitJob(newJob({ stage: "blocked", blockedReasons: ["dep x"] }));
      await expectCode(store.transitionStage(job.id, { to: "shipped", now: 2 }), "illegal_transition");
      await expectCode(store.transitionStage(job.id, { from: ["queued"], to: "cancelled", now: 2 }), "illegal_transition");
      await expectCode(store.transitionStage(job.id, { to: "queued", expectedVersion: 7, now: 2 }), "conflict");
      await expectCode(store.transitionStage("missing", { to: "queued", now: 2 }), "not_found");
      await expectCode(store.transitionStage(job.id, { to: "assigned", now: 2 }), "illegal_transition");
      const same = await store.transitionStage(job.id, { to: "blocked", now: 2, patch: { blockedReasons: ["dep y"], decision: { why: 1 } } });
      expect(same).toMatchObject({ stage: "blocked", blockedReasons: ["dep y"], decision: { why: 1 }, version: 2 });
      const q = await store.transitionStage(job.id, {
        from: ["blocked"], to: "queued", expectedVersion: 2, now: 3,
        patch: { blockedReasons: [] }, event: { type: "stage:changed", at: 3, data: { to: "queued" } },
      });
      expect(q).toMatchObject({ stage: "queued", version: 3, updatedAt: 3 });
      expect((await store.readEvents(job.id, 0, 10)).map((e) => e.type)).toEqual(["stage:changed"]);
    });
  });

  describe("reapExpiredLeases", () => {
    it("returns expired work where decide says; a renewed lease is kept", async () => {
      const store = await newStore();
      const a = await claimed(store, {}, "LA1");
      const b = await claimed(store, {}, "LB1");
      await store.renewLease("LB1", 1, 9_000, TTL);
      const seen: string[] = [];
      const reaped = await store.reapExpiredLeases(12_000, (job) => {
        seen.push(job.id);
        return { to: "queued", notBefore: 20_000, countAttempt: true };
      });
      expect(seen).toEqual([a.job.id]);
      expect(reaped).toEqual([{ jobId: a.job.id, productId: "p1", leaseId: "LA1", epoch: 1, stage: "queued" }]);
      expect(await store.getJob(a.job.id)).toMatchObject({ stage: "queued", attempts: 1, leaseLosses: 1, notBefore: 20_000 });
      expect((await store.getJob(b.job.id))?.lease?.id).toBe("LB1");
      expect(await store.reapExpiredLeases(12_000, () => ({ to: "queued", countAttempt: true }))).toEqual([]);
      const dead = await store.reapExpiredLeases(20_000, () => ({ to: "dead_letter", countAttempt: true }));
      expect(dead.map((r) => r.stage)).toEqual(["dead_letter"]);
      expect((await store.listLeases(a.job.id))[0]?.state).toBe("expired");
    });
  });

  describe("listing", () => {
    it("pages newest first with opaque cursors and filters", async () => {
      const store = await newStore();
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        const { job } = await store.submitJob(newJob({ now: 100 + Math.floor(i / 2), title: i % 2 ? `Fix Login ${i}` : `Docs ${i}` }));
        ids.push(job.id);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listJobs({}, cursor, 3);
        seen.push(...page.items.map((j) => j.id));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor);
      expect(pages).toBe(3);
      expect(new Set(seen)).toEqual(new Set(ids));
      const created = await Promise.all(seen.map(async (id) => (await store.getJob(id))!.createdAt));
      expect([...created].sort((x, y) => y - x)).toEqual(created);
      const login = await store.listJobs({ q: "login" }, undefined, 10);
      expect(login.items.map((j) => j.title).sort()).toEqual(["Fix Login 1", "Fix Login 3", "Fix Login 5"]);
      await store.claimJob({ jobId: ids[0]!, factoryId: "fx", engine: "e", leaseId: "Lz", ttlMs: TTL, now: 200 });
      expect((await store.listJobs({ stage: "assigned" }, undefined, 10)).items.map((j) => j.id)).toEqual([ids[0]]);
      expect((await store.listJobs({ factoryId: "fx" }, undefined, 10)).items.map((j) => j.id)).toEqual([ids[0]]);
      expect((await store.listJobs({ productId: "p2" }, undefined, 10)).items).toEqual([]);
      expect(await store.countJobsByStage()).toEqual({ queued: 6, assigned: 1 });
    });

    it("pages in every sort and order: each job exactly once, in the order's sequence; a cursor of another order is refused", async () => {
      const store = await newStore();
      const prios = ["low", "critical", "medium", "high"] as const;
      const titles = ["beta", "Alpha", "alpha", "gamma", "Beta", "delta"];
      const ids: string[] = [];
      for (let i = 0; i < 13; i++) {
        // createdAt ties in pairs, titles repeat ignoring case, priorities cycle: every order needs its tie-breaks
        const { job } = await store.submitJob(newJob({ now: 100 + Math.floor(i / 2), title: `${titles[i % titles.length]}`, priority: prios[i % prios.length] }));
        ids.push(job.id);
      }
      // different stages and updatedAt values (with ties): claims at 300, a cancel at 400
      for (const id of [ids[2]!, ids[5]!, ids[9]!]) await store.claimJob({ jobId: id, factoryId: "f1", engine: "e", leaseId: `L-${id}`, ttlMs: TTL, now: 300 });
      await store.transitionStage(ids[7]!, { to: "cancelled", now: 400 });
      const all = await Promise.all(ids.map(async (id) => (await store.getJob(id))!));

      const RANK = { critical: 0, high: 1, medium: 2, low: 3 } as const;
      type Key = (string | number)[];
      const keyOf = (j: (typeof all)[number], by: string): Key => {
        switch (by) {
          case "createdAt":
            return [j.createdAt, j.id];
          case "updatedAt":
            return [j.updatedAt, j.id];
          case "priority": // desc = most urgent first, then newest
            return [-RANK[j.priority], j.createdAt, j.id];
          case "stage":
            return [j.stage, j.createdAt, j.id];
          default:
            return [j.title.toLowerCase(), j.createdAt, j.id];
        }
      };
      const cmp = (a: Key, b: Key) => {
        for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
        return 0;
      };
      for (const by of ["createdAt", "updatedAt", "priority", "stage", "title"] as const) {
        for (const dir of ["asc", "desc"] as const) {
          const want = [...all].sort((a, b) => (dir === "asc" ? 1 : -1) * cmp(keyOf(a, by), keyOf(b, by))).map((j) => j.id);
          const seen: string[] = [];
          let cursor: string | undefined;
          let pages = 0;
          do {
            const page = await store.listJobs({}, cursor, 4, { by, dir });
            seen.push(...page.items.map((j) => j.id));
            cursor = page.nextCursor;
            pages += 1;
          } while (cursor && pages < 10);
          expect(seen, `${by} ${dir}`).toEqual(want);
          expect(pages).toBe(4);
        }
      }
      // a filter and an order together
      const queuedByTitle = await store.listJobs({ stage: "queued" }, undefined, 50, { by: "title", dir: "asc" });
      expect(queuedByTitle.items.map((j) => j.id)).toEqual(
        [...all].filter((j) => j.stage === "queued").sort((a, b) => cmp(keyOf(a, "title"), keyOf(b, "title"))).map((j) => j.id),
      );

      const byTitle = await store.listJobs({}, undefined, 4, { by: "title", dir: "asc" });
      await expectCode(store.listJobs({}, byTitle.nextCursor, 4, { by: "title", dir: "desc" }), "invalid_cursor");
      await expectCode(store.listJobs({}, byTitle.nextCursor, 4, { by: "createdAt", dir: "asc" }), "invalid_cursor");
      await expectCode(store.listJobs({}, byTitle.nextCursor, 4), "invalid_cursor");
      await expectCode(store.listJobs({}, "not-a-cursor", 4), "invalid_cursor");
      // the default order is createdAt desc, and its cursors page it
      const first = await store.listJobs({}, undefined, 4);
      expect((await store.listJobs({}, first.nextCursor, 4, { by: "createdAt", dir: "desc" })).items.length).toBe(4);
    });

    it("finds dependents and filters by profile", async () => {
      const store = await newStore();
      const { job: base } = await store.submitJob(newJob());
      const { job: dep } = await store.submitJob(newJob({ stage: "blocked", deps: [base.id], depKeys: ["base"] }));
      const { job: prof } = await store.submitJob(newJob({ manifest: { ...newJob().manifest, profile: "ios-dev" } }));
      expect((await store.listDependents(base.id)).map((j) => j.id)).toEqual([dep.id]);
      expect((await store.listJobs({ dependsOn: base.id }, undefined, 10)).items.map((j) => j.id)).toEqual([dep.id]);
      expect((await store.listJobs({ profile: "ios-dev" }, undefined, 10)).items.map((j) => j.id)).toEqual([prof.id]);
    });

    it("filters by tracker: the kind of the tracker-item, any, none, and a substring of the item id", async () => {
      const store = await newStore();
      const from = async (item?: string) => (await store.submitJob(newJob({ manifest: { ...newJob().manifest, ...(item ? { "tracker-item": item } : {}) } }))).job.id;
      const gh = await from("github:Acme/Shop#12");
      const gh2 = await from("github:acme/other#3");
      const lin = await from("linear:ENG-42");
      const plain = await from();
      const ids = async (f: Parameters<typeof store.listJobs>[0]) => (await store.listJobs(f, undefined, 10)).items.map((j) => j.id).sort();
      expect(await ids({ tracker: "github" })).toEqual([gh, gh2].sort());
      expect(await ids({ tracker: "linear" })).toEqual([lin]);
      expect(await ids({ tracker: "any" })).toEqual([gh, gh2, lin].sort());
      expect(await ids({ tracker: "none" })).toEqual([plain]);
      expect(await ids({ trackerItem: "shop#12" })).toEqual([gh]);
      expect(await ids({ trackerItem: "ACME/" })).toEqual([gh, gh2].sort());
      expect(await ids({ tracker: "linear", trackerItem: "acme" })).toEqual([]);
      expect(await ids({ tracker: "none", trackerItem: "eng" })).toEqual([]);
      // combines with the other filters and pages
      expect(await ids({ tracker: "github", stage: ["review"] })).toEqual([]);
      const first = await store.listJobs({ tracker: "any" }, undefined, 2);
      expect(first.items).toHaveLength(2);
      expect((await store.listJobs({ tracker: "any" }, first.nextCursor, 2)).items).toHaveLength(1);
    });

    it("finds the job holding a pull request (owner and repo in any case), and only it", async () => {
      const store = await newStore();
      const pr = (owner: string, repo: string, number: number) => ({
        forge: "github" as const, owner, repo, number, url: `https://github.com/${owner}/${repo}/pull/${number}`, state: "open" as const, draft: false,
        headSha: "a".repeat(40), mergeable: true, mergeableState: "clean", checks: "none" as const, review: "none" as const, refreshedAt: 1,
      });
      const withPr = async (p: ReturnType<typeof pr> | undefined) => {
        const { job } = await store.submitJob(newJob());
        return store.patchJob(job.id, { from: ["queued"], expectedVersion: job.version, now: 2, patch: { delivery: { mode: "pr", branch: `fleet/${job.id}`, ...(p ? { pr: p } : {}) } }, events: [] });
      };
      const mine = await withPr(pr("Acme", "Shop", 12));
      await withPr(pr("acme", "shop", 13));
      await withPr(pr("acme", "other", 12));
      await withPr(undefined);
      await store.submitJob(newJob());
      const found = async (owner: string, repo: string, number: number) => (await store.listJobs({ pullRequest: { owner, repo, number } }, undefined, 10)).items.map((j) => j.id);
      expect(await found("acme", "shop", 12)).toEqual([mine.id]);
      expect(await found("ACME", "SHOP", 12)).toEqual([mine.id]);
      expect(await found("acme", "shop", 14)).toEqual([]);
      expect((await store.listJobs({ pullRequest: { owner: "acme", repo: "shop", number: 12 }, stage: ["review"] }, undefined, 10)).items).toEqual([]);
    });
  });

  describe("factories, tokens, users, settings, profiles", () => {
    it("registers factories, records heartbeats and status", async () => {
      const store = await newStore();
      const f = await store.registerFactory({
        id: "fa", productId: "p1", name: "mac-1", os: "mac", arch: "arm64", capabilities: ["os:mac"],
        stations: [{ engine: "claude", slots: 2 }], version: "1.0.0", tokenHash: "h1", now: 10,
      });
      expect(f).toMatchObject({ status: "online", free: [{ engine: "claude", slots: 2 }], lastHeartbeatAt: 10 });
      await expectCode(store.registerFactory({ ...f, now: 11 }), "conflict");
      await store.setFactoryStatus("fa", "offline", 20);
      const hb = await store.heartbeat("fa", { load: 0.5, free: [{ engine: "claude", slots: 1 }], running: [{ leaseId: "L", epoch: 1 }], now: 30 });
      expect(hb).toMatchObject({ status: "online", load: 0.5, lastHeartbeatAt: 30, running: [{ leaseId: "L", epoch: 1 }] });
      expect(await store.getFactoryByTokenHash("h1")).toEqual(hb);
      expect(await store.getFactoryByTokenHash("nope")).toBeUndefined();
      await store.setFactoryStatus("fa", "revoked", 40);
      await expectCode(store.setFactoryStatus("fa", "online", 41), "conflict");
      await expectCode(store.heartbeat("missing", { load: 0, free: [], running: [], now: 1 }), "not_found");
      expect((await store.listFactories()).map((x) => x.id)).toEqual(["fa"]);
      expect(await store.listFactories("p2")).toEqual([]);
    });

    it("keeps what a heartbeat re-reports (capabilities, warm repos, cost) and what it leaves out", async () => {
      const store = await newStore();
      const f = await store.registerFactory({
        id: "fw", productId: "p1", name: "lin-1", os: "linux", arch: "x64", capabilities: ["os:linux"],
        stations: [{ engine: "shell", slots: 1 }], version: "1.0.0", tokenHash: "hw", warm: ["repo:api"], costPerHour: 2.5, now: 10,
      });
      expect(f).toMatchObject({ capabilities: ["os:linux"], warm: ["repo:api"], costPerHour: 2.5 });
      const base = { load: 0, free: [], running: [] };
      const changed = await store.heartbeat("fw", { ...base, capabilities: ["os:linux", "gpu"], warm: ["repo:api", "repo:web"], costPerHour: 4, now: 20 });
      expect(changed).toMatchObject({ capabilities: ["os:linux", "gpu"], warm: ["repo:api", "repo:web"], costPerHour: 4 });
      const kept = await store.heartbeat("fw", { ...base, now: 30 });
      expect(kept).toMatchObject({ capabilities: ["os:linux", "gpu"], warm: ["repo:api", "repo:web"], costPerHour: 4, lastHeartbeatAt: 30 });
      expect(await store.getFactoryByTokenHash("hw")).toEqual(kept);
      const free = await store.heartbeat("fw", { ...base, warm: [], costPerHour: 0, now: 40 });
      expect(free).toMatchObject({ warm: [], costPerHour: 0 });
    });

    it("keeps API tokens, users, settings and profile snapshots", async () => {
      const store = await newStore();
      await store.createApiToken({ id: "t1", productId: "p1", name: "ci", role: "operator", tokenHash: "th", now: 1 });
      await expectCode(store.createApiToken({ id: "t1", productId: "p1", name: "ci", role: "operator", tokenHash: "th2", now: 1 }), "conflict");
      expect((await store.findApiTokenByHash("th"))?.role).toBe("operator");
      expect((await store.revokeApiToken("t1", 5)).revokedAt).toBe(5);
      expect((await store.revokeApiToken("t1", 9)).revokedAt).toBe(5);
      await expectCode(store.revokeApiToken("zz", 5), "not_found");
      expect((await store.listApiTokens()).length).toBe(1);

      await store.upsertUser({ id: "a@x.io", productId: "p1", name: "A", role: "viewer", passwordHash: "ph", now: 1 });
      const promoted = await store.setUserRole("a@x.io", "admin", 2);
      expect(promoted).toMatchObject({ role: "admin", createdAt: 1, updatedAt: 2, passwordHash: "ph" });
      expect(await store.getUser("a@x.io")).toEqual(promoted);
      await expectCode(store.setUserRole("b@x.io", "admin", 2), "not_found");
      expect((await store.listUsers()).map((u) => u.id)).toEqual(["a@x.io"]);
      await store.upsertUser({ id: "o@x.io", productId: "p1", name: "O", role: "viewer", provider: "github", now: 3 });
      expect(await store.getUser("o@x.io")).toMatchObject({ provider: "github", role: "viewer" });
      expect((await store.setUserRole("o@x.io", "operator", 4)).provider).toBe("github");
      expect((await store.listUsers()).map((u) => u.id)).toEqual(["a@x.io", "o@x.io"]);

      expect((await store.getSettings()).killSwitch.on).toBe(false);
      await store.setKillSwitch({ on: true, reason: "incident", by: "a@x.io", now: 7 });
      await Promise.all([store.setProductPaused("p1", true), store.setProductPaused("p2", true)]);
      const s = await store.getSettings();
      expect(s.killSwitch).toEqual({ on: true, reason: "incident", by: "a@x.io", at: 7 });
      expect(s.pausedProducts).toEqual(["p1", "p2"]);
      expect((await store.setProductPaused("p1", false)).pausedProducts).toEqual(["p2"]);

      const snap = { productId: "p1", name: "dev", version: "v1", text: "# dev", savedAt: 1 };
      expect(await store.saveProfileSnapshot(snap)).toEqual(snap);
      expect(await store.saveProfileSnapshot({ ...snap, savedAt: 2 })).toEqual(snap);
      expect(await store.getProfileSnapshot("p1", "dev", "v1")).toEqual(snap);
      expect(await store.getProfileSnapshot("p1", "dev", "v2")).toBeUndefined();
    });
  });

  describe("opCounts", () => {
    it("counts every port call by kind", async () => {
      const store = await newStore();
      store.resetOpCounts();
      const { job } = await store.submitJob(newJob());
      await store.getJob(job.id);
      await store.getJob(job.id);
      expect(store.opCounts()).toEqual({ submitJob: 1, getJob: 2 });
      store.resetOpCounts();
      expect(store.opCounts()).toEqual({});
    });
  });
}
