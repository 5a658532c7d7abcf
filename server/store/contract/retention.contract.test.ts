import { expect, it } from "vitest";
import type { Stage } from "@/lib/types";
import type { Store } from "../port";
import { forEachProvider } from "../testing";
import { newJob } from "./fixtures";

/**
 * Retention on both providers: pruneJobHistory removes the logs (or events) of exactly the jobs
 * that are terminal (shipped, dead_letter, cancelled) and were last written before the limit, in
 * batches of at most `limit`, and never touches a job in any other stage or a recent one.
 */
const OLD = 10_000;
const RECENT = 900_000;
const LIMIT_AT = 500_000;

/** A job that ran one attempt (one log chunk, some events) and was left in `stage` at time `at`. */
async function ranTo(store: Store, stage: Stage, at: number): Promise<string> {
  const { job } = await store.submitJob(newJob({ now: at - 5 }));
  const leaseId = `L-${job.id}`;
  await store.claimJob({ jobId: job.id, factoryId: "f1", engine: "shell", leaseId, ttlMs: 60_000, now: at - 4 });
  await store.appendLog(job.id, { leaseId, epoch: 1, now: at - 3 }, [{ seq: 1, stream: "stdout", text: `log of ${stage}\n`, at: at - 3 }]);
  await store.appendEvents(job.id, [{ type: "run:note", at: at - 3, data: { stage } }]);
  const via: Stage[] = stage === "shipped" || stage === "failed" || stage === "testing" ? ["review"] : [];
  const first = via[0] ?? (stage === "queued" ? "queued" : stage);
  await store.completeAttempt({ leaseId, epoch: 1, now: at - 2, result: { outcome: "succeeded", exitCode: 0 }, next: { stage: first, countAttempt: true } });
  if (first !== stage) await store.transitionStage(job.id, { to: stage, now: at, event: { type: "stage:changed", at, data: { to: stage } } });
  return job.id;
}

forEachProvider(({ newStore }) => {
  for (const what of ["logs", "events"] as const) {
    it(`prunes the ${what} of exactly the terminal jobs older than the limit, in bounded batches`, async () => {
      const store = await newStore();
      const prunable = [await ranTo(store, "shipped", OLD), await ranTo(store, "dead_letter", OLD), await ranTo(store, "cancelled", OLD)];
      const kept = [
        await ranTo(store, "shipped", RECENT),
        await ranTo(store, "review", OLD),
        await ranTo(store, "failed", OLD),
        await ranTo(store, "queued", OLD),
        await ranTo(store, "testing", OLD),
      ];
      const count = async (id: string) => (what === "logs" ? (await store.readLog(id, 0, 1000)).length : (await store.readEvents(id, 0, 1000)).length);
      const before = new Map<string, number>();
      for (const id of [...prunable, ...kept]) {
        before.set(id, await count(id));
        expect(before.get(id), `${id} has ${what} to start with`).toBeGreaterThan(0);
      }
      const jobsBefore = await Promise.all([...prunable, ...kept].map((id) => store.getJob(id)));

      const batches: string[][] = [];
      for (let i = 0; i < 5; i++) {
        const batch = await store.pruneJobHistory({ what, terminalBefore: LIMIT_AT, limit: 2 });
        batches.push(batch);
        if (batch.length === 0) break;
      }
      expect(batches.map((b) => b.length)).toEqual([2, 1, 0]);
      expect(batches.flat().sort()).toEqual([...prunable].sort());
      for (const id of prunable) expect(await count(id), `${id} pruned`).toBe(0);
      for (const id of kept) expect(await count(id), `${id} kept`).toBe(before.get(id));
      // The job documents themselves are untouched.
      expect(await Promise.all([...prunable, ...kept].map((id) => store.getJob(id)))).toEqual(jobsBefore);
      // The other kind is not touched.
      const other = what === "logs" ? (id: string) => store.readEvents(id, 0, 1000) : (id: string) => store.readLog(id, 0, 1000);
      for (const id of prunable) expect((await other(id)).length).toBeGreaterThan(0);
    });
  }
});
