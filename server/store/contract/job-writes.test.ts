import { expect, it } from "vitest";
import { isStoreError } from "../errors";
import type { Store } from "../port";
import { forEachProvider } from "../testing";
import { newJob } from "./fixtures";

/**
 * A job write and its events land together or not at all, on both providers (SQLite: one
 * transaction; Cosmos: the events ride in the job document, cosmos/event-outbox.ts). Each refusal or
 * failure is checked by what it left behind: the job exactly as before, no event, and the next event
 * numbered right after the last one (no gap where a half-written batch would have been).
 */

const TTL = 10_000;

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return isStoreError(e) ? e.code : e instanceof Error ? e.name : String(e);
  }
  return "ok";
}

/** A value JSON cannot store: the write fails while it is being serialized, after the plan. */
const unserializable = () => ({ big: BigInt(1) });

async function queuedWithOneEvent(store: Store) {
  const { job } = await store.submitJob(newJob());
  await store.appendEvents(job.id, [{ type: "job:submitted", at: 1 }]);
  return (await store.getJob(job.id))!;
}

async function expectUntouched(store: Store, before: { id: string }, snapshot: unknown, eventTypes: string[]) {
  expect(await store.getJob(before.id)).toEqual(snapshot);
  expect((await store.readEvents(before.id, 0, 100)).map((e) => e.type)).toEqual(eventTypes);
}

forEachProvider(({ newStore, reopen }) => {
  it("a transition stores its events in the same write, numbered after the job's last event", async () => {
    const store = await newStore();
    const job = await queuedWithOneEvent(store);
    const moved = await store.transitionStage(job.id, {
      from: ["queued"], to: "cancelled", expectedVersion: job.version, now: 5,
      event: { type: "stage:changed", at: 5, data: { to: "cancelled" } },
      events: [{ type: "job:cancelled", at: 5, data: { by: "ops" } }],
    });
    expect(moved).toMatchObject({ stage: "cancelled", version: job.version + 1 });
    const events = await store.readEvents(job.id, 0, 100);
    expect(events.map((e) => [e.seq, e.type])).toEqual([[1, "job:submitted"], [2, "stage:changed"], [3, "job:cancelled"]]);
    // another handle (second connection / app instance) sees both at once
    const other = await reopen(store);
    expect((await other.getJob(job.id))?.stage).toBe("cancelled");
    expect((await other.readEvents(job.id, 1, 100)).map((e) => e.type)).toEqual(["stage:changed", "job:cancelled"]);
  });

  it("a refused transition (stale expectedVersion, wrong from, illegal move) writes neither", async () => {
    const store = await newStore();
    const job = await queuedWithOneEvent(store);
    const events = [{ type: "stage:changed", at: 5 }];
    expect(await codeOf(store.transitionStage(job.id, { to: "cancelled", expectedVersion: job.version - 1, now: 5, events }))).toBe("conflict");
    expect(await codeOf(store.transitionStage(job.id, { from: ["blocked"], to: "cancelled", now: 5, events }))).toBe("illegal_transition");
    expect(await codeOf(store.transitionStage(job.id, { to: "shipped", now: 5, events }))).toBe("illegal_transition");
    await expectUntouched(store, job, job, ["job:submitted"]);
    const next = await store.appendEvents(job.id, [{ type: "x:y", at: 6 }]);
    expect(next.map((e) => e.seq)).toEqual([2]);
  });

  it("a write that fails part way (an event that cannot be stored) leaves neither the stage nor any event", async () => {
    const store = await newStore();
    const job = await queuedWithOneEvent(store);
    const events = [{ type: "stage:changed", at: 5 }, { type: "bad:data", at: 5, data: unserializable() }];
    expect(await codeOf(store.transitionStage(job.id, { to: "cancelled", now: 5, events }))).toBe("TypeError");
    expect(await codeOf(store.patchJob(job.id, { now: 5, patch: { pendingReason: "x" }, events }))).toBe("TypeError");
    await expectUntouched(store, job, job, ["job:submitted"]);
    expect((await store.appendEvents(job.id, [{ type: "x:y", at: 6 }])).map((e) => e.seq)).toEqual([2]);
  });

  it("a claim whose events cannot be built or stored grants nothing", async () => {
    const store = await newStore();
    const job = await queuedWithOneEvent(store);
    const claim = (events: () => { type: string; at: number; data?: unknown }[]) =>
      store.claimJob({ jobId: job.id, factoryId: "f1", engine: "e", leaseId: "LX", ttlMs: TTL, now: 10, events });
    expect(await codeOf(claim(() => [{ type: "lease:granted", at: 10 }, { type: "bad:data", at: 10, data: unserializable() }]))).toBe("TypeError");
    expect(await codeOf(claim(() => {
      throw new RangeError("builder failed");
    }))).toBe("RangeError");
    await expectUntouched(store, job, job, ["job:submitted"]);
    expect(await store.claimJob({ jobId: job.id, factoryId: "f1", engine: "e", leaseId: "LY", ttlMs: TTL, now: 10 })).not.toBeNull();
  });

  it("a refused completion writes no event; an accepted one writes them with it", async () => {
    const store = await newStore();
    const { job } = await store.submitJob(newJob());
    const grant = (await store.claimJob({
      jobId: job.id, factoryId: "f1", engine: "e", leaseId: "LC", ttlMs: TTL, now: 10,
      events: (g) => [{ type: "lease:granted", at: 10, data: { epoch: g.lease.epoch } }],
    }))!;
    const complete = (stage: "shipped" | "review") =>
      store.completeAttempt({
        leaseId: "LC", epoch: 1, now: 20, result: { outcome: "succeeded", exitCode: 0 },
        next: { stage, countAttempt: false }, events: [{ type: "stage:changed", at: 20, data: { to: stage } }],
      });
    expect(await codeOf(complete("shipped"))).toBe("illegal_transition");
    await expectUntouched(store, job, grant.job, ["lease:granted"]);
    expect((await complete("review")).job.stage).toBe("review");
    expect((await store.readEvents(job.id, 0, 10)).map((e) => [e.seq, e.type])).toEqual([[1, "lease:granted"], [2, "stage:changed"]]);
  });

  it("patchJob changes a job in place with its events; guards like a transition; never cancels the lease", async () => {
    const store = await newStore();
    const { job } = await store.submitJob(newJob());
    const g = (await store.claimJob({ jobId: job.id, factoryId: "f1", engine: "e", leaseId: "LP", ttlMs: TTL, now: 10 }))!;
    const live = { liveCost: { leaseId: "LP", cost: { usd: 1, tokensIn: 10 } } };
    const patched = await store.patchJob(job.id, {
      from: ["assigned", "building"], expectedVersion: g.job.version, now: 20, patch: live,
      events: [{ type: "run:cost", at: 20, leaseId: "LP", data: { usd: 1 } }],
    });
    expect(patched).toMatchObject({ stage: "assigned", version: g.job.version + 1, updatedAt: 20, cost: { usd: 1, tokensIn: 10 } });
    expect(patched.lease).toEqual(g.lease);
    // the same absolute total again: counted once
    expect((await store.patchJob(job.id, { now: 21, patch: live })).cost.usd).toBe(1);
    const after = (await store.getJob(job.id))!;
    expect(await codeOf(store.patchJob(job.id, { expectedVersion: g.job.version, now: 22, patch: { pendingReason: "x" }, events: [{ type: "x:y", at: 22 }] }))).toBe("conflict");
    expect(await codeOf(store.patchJob(job.id, { from: ["queued"], now: 22, patch: { pendingReason: "x" }, events: [{ type: "x:y", at: 22 }] }))).toBe("illegal_transition");
    expect(await codeOf(store.patchJob("missing", { now: 22, patch: {} }))).toBe("not_found");
    await expectUntouched(store, job, after, ["run:cost"]);
    expect(await store.renewLease("LP", 1, 30, TTL)).toEqual({ expiresAt: 30 + TTL });
  });

  it("the same agent event sent twice at once through two handles is stored once", async () => {
    const store = await newStore();
    const other = await reopen(store);
    const { job } = await store.submitJob(newJob());
    await store.claimJob({ jobId: job.id, factoryId: "f1", engine: "e", leaseId: "LD", ttlMs: TTL, now: 10 });
    const fence = { leaseId: "LD", epoch: 1, now: 20 };
    const send = (s: Store, agentSeq: number) => s.appendEvents(job.id, [{ type: "run:stage", at: 20, agentSeq }], fence);
    const sent = await Promise.all([1, 2, 3].flatMap((n) => [send(store, n), send(other, n)]));
    // both copies of each agent event answer the one stored record
    for (let i = 0; i < sent.length; i += 2) expect(sent[i]).toEqual(sent[i + 1]);
    const stored = await store.readEvents(job.id, 0, 100);
    expect(stored.map((e) => e.agentSeq).sort()).toEqual([1, 2, 3]);
    expect(stored.map((e) => e.seq)).toEqual([1, 2, 3]);
  });
});
