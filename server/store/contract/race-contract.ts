import "server-only";
import { expect, it } from "vitest";
import { isStoreError } from "../errors";
import type { Store } from "../port";
import type { StoreFactory } from "../testing";
import { newJob } from "./fixtures";

/**
 * Races run against every provider. Claimers share the work through several store handles (SQLite:
 * separate connections to one file; Cosmos: separate clients, i.e. separate app instances), each
 * working from its own, soon stale, candidate list — the situation the conditional write must settle.
 * (Truly parallel SQLite writers, in worker threads, are in sqlite/claim-race.test.ts.)
 */
export interface RaceSizes {
  jobs: number;
  claimers: number;
  handles: number;
  /** per-test budget: the Cosmos test server is slow (a safety net, not a timed assertion) */
  timeoutMs: number;
}

const TTL = 60_000;

function shuffled<T>(xs: T[], seed: number): T[] {
  const out = [...xs];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function lostWith(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    if (isStoreError(e)) return e.code;
    throw e;
  }
}

export function raceContract(factory: StoreFactory, sizes: RaceSizes): void {
  it(`${sizes.claimers} concurrent claimers over ${sizes.jobs} jobs grant each job exactly once`, async () => {
    const first = await factory.newStore();
    const handles: Store[] = [first];
    for (let i = 1; i < sizes.handles; i++) handles.push(await factory.reopen(first));
    for (let i = 0; i < sizes.jobs; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, sizes.jobs - i) }, (_, k) => first.submitJob(newJob({ id: `race-${i + k}`, now: i + k }))),
      );
    }
    const grants: { jobId: string; leaseId: string; claimer: number }[] = [];
    let attempts = 0;
    const claimer = async (n: number) => {
      const store = handles[n % handles.length]!;
      for (let round = 0; ; round++) {
        const candidates = await store.listClaimCandidates({ now: 1_000_000, limit: 20 });
        if (candidates.length === 0) return;
        for (const job of shuffled(candidates, n * 7919 + round)) {
          attempts += 1;
          const leaseId = `c${n}-r${round}-${job.id}`;
          const g = await store.claimJob({ jobId: job.id, factoryId: `f${n}`, engine: "e", leaseId, ttlMs: TTL, now: 1_000_000 });
          if (g) {
            grants.push({ jobId: g.job.id, leaseId, claimer: n });
            break; // like a factory with one free slot: take one job, then ask again
          }
        }
      }
    };
    await Promise.all(Array.from({ length: sizes.claimers }, (_, n) => claimer(n)));

    const perJob = new Map<string, number>();
    for (const g of grants) perJob.set(g.jobId, (perJob.get(g.jobId) ?? 0) + 1);
    const doubleGrants = [...perJob.values()].filter((n) => n > 1).length;
    expect(doubleGrants).toBe(0);
    expect(perJob.size).toBe(sizes.jobs);
    expect(attempts).toBeGreaterThan(sizes.jobs); // the claimers really did collide
    expect(new Set(grants.map((g) => g.claimer)).size).toBeGreaterThan(1);
    const counts = await first.countJobsByStage();
    expect(counts).toEqual({ assigned: sizes.jobs });
    // the store agrees with what the claimers were told
    for (const g of grants.slice(0, 25)) {
      expect((await first.getJob(g.jobId))?.lease?.id).toBe(g.leaseId);
      expect((await first.listRuns(g.jobId)).length).toBe(1);
    }
  }, sizes.timeoutMs);

  it("a stale holder is refused every time, and each attempt records exactly one terminal result", async () => {
    const store = await factory.newStore();
    const other = await factory.reopen(store);
    const n = Math.min(20, Math.ceil(sizes.jobs / 10));
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const { job } = await store.submitJob(newJob({ id: `stale-${i}` }));
      ids.push(job.id);
      await store.claimJob({ jobId: job.id, factoryId: "old", engine: "e", leaseId: `old-${i}`, ttlMs: 1_000, now: 0 });
    }
    // every old lease expires and is re-granted to a new holder (epoch 2)
    const reaped = await store.reapExpiredLeases(1_000, () => ({ to: "queued", countAttempt: true }));
    expect(reaped).toHaveLength(n);
    for (let i = 0; i < n; i++) {
      expect(await other.claimJob({ jobId: ids[i]!, factoryId: "new", engine: "e", leaseId: `new-${i}`, ttlMs: TTL, now: 2_000 })).not.toBeNull();
    }
    const refusals: (string | undefined)[] = [];
    for (let i = 0; i < n; i++) {
      const fence = { leaseId: `old-${i}`, epoch: 1, now: 2_500 };
      refusals.push(
        await lostWith(store.renewLease(`old-${i}`, 1, 2_500, TTL)),
        await lostWith(store.appendEvents(ids[i]!, [{ type: "run:log", at: 1, agentSeq: 1 }], fence)),
        await lostWith(store.appendLog(ids[i]!, fence, [{ seq: 1, stream: "stdout", text: "x", at: 1 }])),
        await lostWith(store.renewLease(`new-${i}`, 1, 2_500, TTL)), // right lease, stale epoch
        await lostWith(
          store.completeAttempt({ leaseId: `old-${i}`, epoch: 1, now: 2_500, result: { outcome: "succeeded" }, next: { stage: "review", countAttempt: false } }),
        ),
      );
    }
    expect(refusals.filter((r) => r !== "lease_lost")).toEqual([]);

    // the current holder completes twice at once, through two handles, while the stale one tries too
    await Promise.all(
      ids.map(async (id, i) => {
        const complete = (s: Store, leaseId: string, epoch: number) =>
          s
            .completeAttempt({ leaseId, epoch, now: 3_000 + i, result: { outcome: "succeeded", exitCode: 0 }, next: { stage: "review", countAttempt: false } })
            .then((r) => (r.duplicate ? "duplicate" : "recorded"), (e: unknown) => (isStoreError(e) ? e.code : Promise.reject(e)));
        const outcomes = await Promise.all([complete(store, `new-${i}`, 2), complete(other, `new-${i}`, 2), complete(other, `old-${i}`, 1)]);
        expect(outcomes.filter((o) => o === "recorded")).toHaveLength(1);
        expect(outcomes[2]).toBe("lease_lost");
        // a late retry of the winner is a duplicate, never a second record
        const late = await store.completeAttempt({ leaseId: `new-${i}`, epoch: 2, now: 9_000, result: { outcome: "failed" }, next: { stage: "failed", countAttempt: true } });
        expect(late.duplicate).toBe(true);
      }),
    );
    for (const id of ids) {
      const runs = await store.listRuns(id);
      expect(runs.map((r) => [r.epoch, r.endedBy, r.outcome ?? null])).toEqual([
        [1, "lease_expired", null],
        [2, "agent", "succeeded"],
      ]);
      expect((await store.getJob(id))?.stage).toBe("review");
    }
  }, sizes.timeoutMs);
}
