import { describe, expect, it } from "vitest";
import { manifest, newJob } from "@/server/store/contract/fixtures";
import type { Store } from "@/server/store/port";
import { withStore } from "@/server/store/testing";
import { SnapshotSource } from "./snapshot-source";

/**
 * The snapshot builder against a real SQLite store: what it reads into the scheduler's views, and
 * when its cache re-reads (the clock and the queued generation are the test's to move).
 */
const stores = withStore("sqlite");

function sourceOn(store: Store, opts: { failures?: Record<string, number> } = {}) {
  const state = { generation: 0 };
  const source = new SnapshotSource({
    store,
    settings: () => store.getSettings(),
    queuedGeneration: () => state.generation,
    offlineAfterMs: 10_000,
    seed: "test",
    recentFailures: (id) => opts.failures?.[id] ?? 0,
    ttlMs: 500,
    window: 8,
  });
  return { source, state };
}

async function factory(store: Store, id: string, over: { capabilities?: string[]; stations?: { engine: string; slots: number }[]; now?: number } = {}) {
  return store.registerFactory({
    id,
    productId: "p1",
    name: `name-${id}`,
    os: "darwin",
    arch: "arm64",
    capabilities: over.capabilities ?? ["os:mac", "has:xcode"],
    stations: over.stations ?? [{ engine: "shell", slots: 2 }],
    version: "1",
    tokenHash: `h-${id}`,
    warm: ["repo:web"],
    now: over.now ?? 1_000,
  });
}

describe("SnapshotSource", () => {
  it("builds jobs, factories, running leases, locks, fairness and the kill switch from the store", async () => {
    const store = await stores.newStore();
    await factory(store, "f-1");
    await factory(store, "f-2");
    await store.setFactoryStatus("f-2", "revoked", 1_000);
    const held = await store.submitJob(newJob({ manifest: manifest({ priority: "low", lock: "db" }) }));
    await store.claimJob({ jobId: held.job.id, factoryId: "f-1", engine: "shell", leaseId: "L-1", ttlMs: 60_000, now: 1_100 });
    const m = manifest({ "engine-class": "agentic-coder", prefers: ["has:fast", "engine:codex", "engine:claude"], budget: { usd: 5, wall: 60_000 } });
    const queued = await store.submitJob(newJob({ manifest: m }));
    await store.setKillSwitch({ on: true, reason: "test", by: "t", now: 1_200 });

    const { source } = sourceOn(store, { failures: { "f-1": 3 } });
    const snap = await source.snapshot(2_000);

    expect(snap.now).toBe(2_000);
    expect(snap.seed).toBe("test");
    expect(snap.killSwitch).toBe(true);
    expect(snap.jobs.map((j) => j.id)).toEqual([queued.job.id]);
    const job = snap.jobs[0]!;
    expect(job.revision).toBe(queued.job.version);
    expect(job.preferEngines).toEqual(["codex", "claude"]);
    expect(job.budgetRemaining).toEqual({ usd: 5, wall: 60_000 });
    expect(job.depsMet).toBe(true);
    expect(job.queuedAt).toBe(queued.job.createdAt);

    // The revoked factory is gone; the other has one slot busy with the low job's lease.
    expect(snap.factories.map((f) => f.id)).toEqual(["f-1"]);
    const f = snap.factories[0]!;
    expect(f.os).toBe("mac");
    expect(f.stations).toEqual([{ engine: "shell", slots: 2, free: 1 }]);
    expect(f.running).toEqual([{ leaseId: "L-1", jobId: held.job.id, productId: "p1", priority: "low", engine: "shell", startedAt: 1_100 }]);
    expect(f.recentFailures).toBe(3);
    expect(f.warmRepos).toEqual(["repo:web"]);
    expect(f.status).toBe("online");
    expect(snap.locks).toEqual({ db: held.job.id });
    expect(Object.keys(snap.fairness)).toContain("p1");
  });

  it("a factory silent past the offline window is offline, unless it is the one claiming; the claimer's own free stations win", async () => {
    const store = await stores.newStore();
    const rec = await factory(store, "f-1", { now: 0 });
    const { source } = sourceOn(store);
    const snap = await source.snapshot(20_000);
    expect(snap.factories[0]!.status).toBe("offline");
    // Its claim is its sign of life: no heartbeat since registering, still online as the claimer.
    const claiming = source.forClaimer(snap, rec, [{ engine: "shell", slots: 0 }], 20_000);
    expect(claiming.factories[0]!.stations[0]!.free).toBe(0);
    expect(claiming.factories[0]!.status).toBe("online");
    // The cached snapshot itself is untouched.
    expect(snap.factories[0]!.stations[0]!.free).toBe(2);
  });

  it("serves from cache within the TTL and keeps unchanged job views (same object) across re-reads", async () => {
    const store = await stores.newStore();
    const a = await store.submitJob(newJob());
    const { source, state } = sourceOn(store);
    const first = await source.snapshot(1_000);
    expect(source.refreshes).toBe(1);

    // Another instance queues a job: not seen inside the TTL…
    const b = await store.submitJob(newJob());
    expect((await source.snapshot(1_400)).jobs.map((j) => j.id)).toEqual([a.job.id]);
    expect(source.refreshes).toBe(1);
    // …but after it, and the unchanged job keeps its view object (the index skips it).
    const later = await source.snapshot(1_500);
    expect(source.refreshes).toBe(2);
    expect(later.jobs.map((j) => j.id).sort()).toEqual([a.job.id, b.job.id].sort());
    expect(later.jobs.find((j) => j.id === a.job.id)).toBe(first.jobs[0]);

    // A job queued through this process (the notifier's generation moved) is read at once.
    const c = await store.submitJob(newJob());
    state.generation++;
    expect((await source.snapshot(1_510)).jobs.map((j) => j.id)).toContain(c.job.id);
    expect(source.refreshes).toBe(3);
  });

  it("drops a claimed job at once and does not bring it back from a read; a refused claim re-reads soon", async () => {
    const store = await stores.newStore();
    const a = await store.submitJob(newJob());
    const b = await store.submitJob(newJob());
    const { source } = sourceOn(store);
    await source.snapshot(1_000);
    source.claimed(a.job.id, a.job.version, 1_000);
    expect((await source.snapshot(1_001)).jobs.map((j) => j.id)).toEqual([b.job.id]);

    // Another instance took b: our claim is refused, the view drops it and re-reads after the gap.
    await store.claimJob({ jobId: b.job.id, factoryId: "f-x", engine: "shell", leaseId: "L-x", ttlMs: 60_000, now: 1_002 });
    source.refused(b.job.id);
    expect((await source.snapshot(1_010)).jobs).toEqual([]);
    expect(source.refreshes).toBe(1);
    await source.snapshot(1_060);
    expect(source.refreshes).toBe(2);
    // a is still queued in the store (we never claimed it there), but stays hidden for a while.
    expect((await source.snapshot(1_061)).jobs).toEqual([]);
  });

  it("a job claimed here and queued again since (requeue, retry) is back in the next read, at once", async () => {
    const store = await stores.newStore();
    const a = await store.submitJob(newJob());
    const { source } = sourceOn(store);
    const first = await source.snapshot(1_000);
    const seen = first.jobs[0]!.revision!;
    const grant = await store.claimJob({ jobId: a.job.id, expectedVersion: seen, factoryId: "f-x", engine: "shell", leaseId: "L-a", ttlMs: 60_000, now: 1_000 });
    expect(grant).toBeDefined();
    source.claimed(a.job.id, seen, 1_000);
    // The attempt fails and its retry policy queues it again, a moment later: the clock has not moved
    // past the claim memory, and the view shows the job at its new version.
    const done = await store.completeAttempt({
      leaseId: "L-a",
      epoch: grant!.lease.epoch,
      now: 1_100,
      result: { outcome: "failed", exitCode: 3 },
      next: { stage: "queued", via: ["failed"], countAttempt: true },
    });
    const back = done.job;
    expect(back.stage).toBe("queued");
    const next = await source.snapshot(1_600);
    expect(next.jobs.map((j) => j.id)).toEqual([a.job.id]);
    expect(next.jobs[0]!.revision).toBe(back.version);
  });

  it("reads a window of the most urgent jobs and reads again when claims have eaten most of it", async () => {
    const store = await stores.newStore();
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await store.submitJob(newJob({ now: 1_000 + i }))).job.id);
    const { source } = sourceOn(store);
    const first = await source.snapshot(2_000);
    expect(first.jobs.map((j) => j.id)).toEqual(ids.slice(0, 8));
    for (const id of ids.slice(0, 7)) {
      const at = first.jobs.find((j) => j.id === id)!.revision!;
      await store.claimJob({ jobId: id, factoryId: "f-x", engine: "shell", leaseId: `L-${id}`, ttlMs: 60_000, now: 2_000 });
      source.claimed(id, at, 2_000);
    }
    const next = await source.snapshot(2_001);
    expect(source.refreshes).toBe(2);
    expect(next.jobs.map((j) => j.id)).toEqual(ids.slice(7));
  });
});
