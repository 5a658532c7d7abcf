import "server-only";
import { LEASED_STAGES } from "@/lib/stages";
import type { Station } from "@/lib/protocol";
import type { FactoryInput, JobInput, ProductCounters, RunningLeaseView, Snapshot } from "@/server/scheduler";
import type { Store } from "@/server/store/port";
import type { FactoryRecord, Settings } from "@/server/store/records";
import { runningLeaseOf, toFactoryInput, toJobInput } from "./inputs";

/**
 * The scheduler's snapshot, assembled from the store and cached in this process so a claim does not
 * re-read the queue. It is only a view: the store's conditional claim (`expectedVersion`) stays the
 * arbiter, so a stale entry costs one refused claim, never a wrong grant. Freshness:
 * - a job queued through this process (the notifier's queued generation moved) → re-read at once;
 * - a refused claim (the job moved elsewhere) → dropped here, re-read soon after;
 * - otherwise at most `ttlMs` old, which is how another app instance's jobs, and jobs whose retry
 *   backoff ran out, come into view;
 * - the queue is read as a window of the `window` most urgent claimable jobs (priority, then age),
 *   re-read when claims have eaten most of it.
 */
export interface SnapshotSourceDeps {
  store: Store;
  settings: () => Promise<Settings>;
  /** the operator's scorer weights for a snapshot, from its settings (absent: the scheduler's defaults) */
  weights?: (settings: Settings) => Snapshot["weights"];
  /** increases whenever this process queues a job (Notifier.queuedGeneration) */
  queuedGeneration: () => number;
  offlineAfterMs: number;
  /** mixed with job ids for tie-breaks: the same everywhere, so instances decide alike */
  seed: string;
  /** recent failed attempts per factory (this instance's count) */
  recentFailures: (factoryId: string, now: number) => number;
  ttlMs?: number;
  window?: number;
  /** at most this many running leases are read (preemption victims, lock holders, busy slots) */
  leasedLimit?: number;
}

/**
 * A claim that finished here a moment ago may still be in a read that started before it: such a read
 * returns the job at the version the claim was conditional on (or older), so only those versions are
 * hidden. A later version is the job back in the queue (requeued, retried, reclaimed) and is shown.
 */
const CLAIMED_MEMORY_MS = 5_000;
/** A refused claim asks for a re-read, but not more often than this. */
const MIN_DIRTY_REFRESH_MS = 50;

export class SnapshotSource {
  private readonly ttlMs: number;
  private readonly window: number;
  private readonly leasedLimit: number;
  private jobs = new Map<string, JobInput>();
  private jobList: JobInput[] | undefined;
  private factoryRecords: FactoryRecord[] = [];
  private factoryViews: FactoryInput[] = [];
  private running = new Map<string, RunningLeaseView[]>();
  private locks: Record<string, string> = {};
  private fairness: Record<string, ProductCounters> = {};
  private readAt = Number.NEGATIVE_INFINITY;
  private readFull = false;
  private generationSeen = -1;
  private dirty = false;
  private refreshing: Promise<void> | undefined;
  /** job id → when this process claimed it and the version its claim was conditional on */
  private readonly recentlyClaimed = new Map<string, { at: number; revision: number }>();
  /** store reads of the queue, for tests and /metrics-style checks */
  refreshes = 0;

  constructor(private readonly deps: SnapshotSourceDeps) {
    this.ttlMs = deps.ttlMs ?? 500;
    this.window = deps.window ?? 500;
    this.leasedLimit = deps.leasedLimit ?? 1_000;
  }

  /** The fleet and queue as of at most `ttlMs` ago (or fresher, see above). */
  async snapshot(now: number): Promise<Snapshot> {
    await this.ensureFresh(now);
    const settings = await this.deps.settings();
    const weights = this.deps.weights?.(settings);
    return {
      now,
      seed: this.deps.seed,
      jobs: this.jobArray(),
      factories: this.factoryViews,
      locks: this.locks,
      killSwitch: settings.killSwitch.on,
      pausedProducts: settings.pausedProducts,
      fairness: this.fairness,
      ...(weights && Object.keys(weights).length > 0 ? { weights } : {}),
    };
  }

  /** The same snapshot with the claimer as it describes itself right now (its free stations). */
  forClaimer(snapshot: Snapshot, factory: FactoryRecord, free: readonly Station[], now: number): Snapshot {
    const view = toFactoryInput({
      record: factory,
      running: this.running.get(factory.id) ?? [],
      recentFailures: this.deps.recentFailures(factory.id, now),
      now,
      offlineAfterMs: this.deps.offlineAfterMs,
      free,
    });
    const factories = snapshot.factories.slice();
    const at = factories.findIndex((f) => f.id === factory.id);
    // A factory registered since the last read is not in the list yet.
    if (at >= 0) factories[at] = view;
    else factories.push(view);
    return { ...snapshot, factories };
  }

  /** With `job` as the store has it now (added when outside the window): for explaining one job. */
  withJob(snapshot: Snapshot, job: JobInput): Snapshot {
    const jobs = snapshot.jobs.filter((j) => j.id !== job.id);
    jobs.push(job);
    return { ...snapshot, jobs };
  }

  /** A cached view of a queued job, when it is inside the window. */
  job(jobId: string): JobInput | undefined {
    return this.jobs.get(jobId);
  }

  /**
   * This process granted a lease on the job, conditional on `revision` (the version it saw queued):
   * it leaves the queue view at once, and a read that still returns that version does not bring it
   * back. The claim itself bumps the version, so the job queued again later is seen at once.
   */
  claimed(jobId: string, revision: number, now: number): void {
    if (this.jobs.delete(jobId)) this.jobList = undefined;
    this.recentlyClaimed.set(jobId, { at: now, revision });
  }

  /** The store refused a claim (the job changed or another instance took it): drop it and re-read soon. */
  refused(jobId: string): void {
    if (this.jobs.delete(jobId)) this.jobList = undefined;
    this.dirty = true;
  }

  /** A running lease was cancelled here (preemption): its slot is no longer counted busy. */
  leaseEnded(factoryId: string, leaseId: string): void {
    const list = this.running.get(factoryId);
    if (!list) return;
    const rest = list.filter((r) => r.leaseId !== leaseId);
    this.running.set(factoryId, rest);
    const rec = this.factoryRecords.find((r) => r.id === factoryId);
    if (rec) this.factoryViews = this.factoryViews.map((f) => (f.id === factoryId ? this.viewOf(rec, this.readAt) : f));
  }

  private jobArray(): JobInput[] {
    this.jobList ??= [...this.jobs.values()];
    return this.jobList;
  }

  private needsRead(now: number): boolean {
    if (now - this.readAt >= this.ttlMs) return true;
    if (this.deps.queuedGeneration() !== this.generationSeen) return true;
    if (this.dirty && now - this.readAt >= MIN_DIRTY_REFRESH_MS) return true;
    // Claims ate most of a full window: there is more behind it.
    return this.readFull && this.jobs.size < this.window / 4;
  }

  private async ensureFresh(now: number): Promise<void> {
    while (this.needsRead(now)) {
      this.refreshing ??= this.read(now).finally(() => {
        this.refreshing = undefined;
      });
      await this.refreshing;
      // Another caller's read may have started before our reason to read appeared: check again.
      if (this.readAt >= now) return;
    }
  }

  private async read(now: number): Promise<void> {
    const generation = this.deps.queuedGeneration();
    this.dirty = false;
    const { store } = this.deps;
    const [candidates, factories, leased, counters] = await Promise.all([
      store.listClaimCandidates({ now, limit: this.window }),
      store.listFactories(),
      store.listJobs({ stage: [...LEASED_STAGES] }, undefined, this.leasedLimit),
      store.fairnessCounters(),
    ]);
    this.refreshes++;
    for (const [id, c] of this.recentlyClaimed) if (now - c.at > CLAIMED_MEMORY_MS) this.recentlyClaimed.delete(id);
    const jobs = new Map<string, JobInput>();
    for (const rec of candidates) {
      const claimedHere = this.recentlyClaimed.get(rec.id);
      // A read from before our claim landed: the job is leased, whatever this read says.
      if (claimedHere && rec.version <= claimedHere.revision) continue;
      // Queued again since (requeue, retry, reclaim): forget the claim, the job is claimable.
      if (claimedHere) this.recentlyClaimed.delete(rec.id);
      const old = this.jobs.get(rec.id);
      // Same version, same view object: the scheduler index then skips it entirely.
      jobs.set(rec.id, old && old.revision === rec.version ? old : toJobInput(rec));
    }
    const running = new Map<string, RunningLeaseView[]>();
    const locks: Record<string, string> = {};
    for (const job of leased.items) {
      const r = runningLeaseOf(job);
      if (!r || !job.lease) continue;
      const list = running.get(job.lease.factoryId);
      if (list) list.push(r);
      else running.set(job.lease.factoryId, [r]);
      if (job.lock !== undefined) locks[job.lock] = job.id;
    }
    const fairness: Record<string, ProductCounters> = {};
    for (const c of counters) fairness[c.productId] = { used: c.usageMs };

    this.jobs = jobs;
    this.jobList = undefined;
    this.readFull = candidates.length >= this.window;
    this.running = running;
    this.locks = locks;
    this.fairness = fairness;
    this.factoryRecords = factories.filter((f) => f.status !== "revoked");
    this.readAt = now;
    this.generationSeen = generation;
    this.factoryViews = this.factoryRecords.map((f) => this.viewOf(f, now));
  }

  private viewOf(f: FactoryRecord, now: number): FactoryInput {
    return toFactoryInput({
      record: f,
      running: this.running.get(f.id) ?? [],
      recentFailures: this.deps.recentFailures(f.id, now),
      now,
      offlineAfterMs: this.deps.offlineAfterMs,
    });
  }
}
