import "server-only";
import { describe, expect, it } from "vitest";
import type { StoreFactory } from "../testing";
import { newJob } from "./fixtures";
import { expectCode } from "./support";

/** The job document: a submit creates it once (idempotency keys, racing submits), a stage change is guarded. */
export function jobsContract({ newStore }: StoreFactory): void {
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
}
