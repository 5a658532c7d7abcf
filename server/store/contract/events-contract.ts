import "server-only";
import { describe, expect, it } from "vitest";
import type { StoreFactory } from "../testing";
import { newJob } from "./fixtures";
import { claimed, expectCode, TTL } from "./support";

/** A job's events and log chunks: per-job sequence, idempotent on the agent's sequence, fenced; and the cost they report. */
export function eventsContract({ newStore }: StoreFactory): void {
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
}
