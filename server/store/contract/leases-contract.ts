import "server-only";
import { describe, expect, it } from "vitest";
import type { StoreFactory } from "../testing";
import { newJob } from "./fixtures";
import { claimed, expectCode, TTL } from "./support";

/** Leases: a claim is one fenced write, renewals and completes carry the fence, the sweeper reaps expired ones. */
export function leasesContract({ newStore }: StoreFactory): void {
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
}
