/**
 * The index that keeps a decision from scanning everything. Jobs are grouped by requirement
 * signature and factories by capability signature; the static feasibility of a (group, factory
 * signature) pair is computed once and cached, so a claim touches each *group* once, and a
 * placement touches each *factory signature* once for the expensive capability matching.
 *
 * It is built from a snapshot and kept up to date incrementally: `sync(snapshot)` compares object
 * identity (snapshots are immutable, so a changed job or factory is a new object) and recompiles
 * only what changed. The decision functions call `sync` themselves, so an index can never be stale
 * with respect to the snapshot it is used with.
 */
import type { SchedulerConfig } from "./config";
import { selfReason, staticReasons } from "./pipeline";
import { compileRequirements, describeFactoryOffer, type FactoryOffer, type Requirements } from "./requirements";
import { capabilityFit, countsForRarity } from "./scorers";
import type { FactoryInput, JobInput, Reason, Snapshot } from "./types";

export interface StaticResult {
  reasons: Reason[];
  capFit: number;
}

export interface JobGroup {
  signature: string;
  /** false once the last job left; lazily dropped from the per-offer feasible lists */
  alive: boolean;
  req: Requirements;
  jobs: Map<string, JobEntry>;
  /** capability signature → static result; cleared when rarity changes */
  staticByOffer: Map<string, StaticResult>;
}

export interface JobEntry {
  job: JobInput;
  group: JobGroup;
  seen: number;
  /** some check that depends on the job alone fails (not queued, deps, budget, …) */
  selfBlocked: boolean;
  /** cached seeded tie-break value, valid for `tieSeed` */
  tie?: number;
  tieSeed?: string;
}

/** A group that can run on some offer, with its capability fit there. */
export interface FeasibleGroup {
  group: JobGroup;
  capFit: number;
}

export interface FactoryEntry {
  factory: FactoryInput;
  offer: FactoryOffer;
  seen: number;
}

export class SchedulerIndex {
  readonly config: SchedulerConfig;
  private readonly jobEntries = new Map<string, JobEntry>();
  private readonly groupsBySig = new Map<string, JobGroup>();
  private readonly factoryEntries = new Map<string, FactoryEntry>();
  /** capability → number of factories advertising it */
  private readonly capCount = new Map<string, number>();
  private readonly queuedByProduct = new Map<string, number>();
  private rare: Map<string, number> | null = null;
  /** capability signature → the groups statically feasible there (built on first claim, kept current) */
  private readonly feasibleByOffer = new Map<string, { offer: FactoryOffer; groups: FeasibleGroup[]; stale: boolean }>();
  private maxCost = 0;
  private maxCostDirty = true;
  private generation = 0;

  constructor(config: SchedulerConfig) {
    this.config = config;
  }

  /** Brings the index in line with the snapshot, touching only what changed. */
  sync(snapshot: Snapshot): void {
    const gen = ++this.generation;
    for (const job of snapshot.jobs) {
      const e = this.jobEntries.get(job.id);
      if (e && e.job === job) e.seen = gen;
      else if (e && sameRevision(e.job, job)) {
        e.job = job;
        e.selfBlocked = selfReason(job, e.group.req) !== null;
        e.seen = gen;
      } else this.upsertJob(job).seen = gen;
    }
    if (this.jobEntries.size !== snapshot.jobs.length) {
      for (const [id, e] of this.jobEntries) if (e.seen !== gen) this.removeJob(id);
    }
    for (const f of snapshot.factories) {
      const e = this.factoryEntries.get(f.id);
      if (e && e.factory === f) e.seen = gen;
      else this.upsertFactory(f).seen = gen;
    }
    if (this.factoryEntries.size !== snapshot.factories.length) {
      for (const [id, e] of this.factoryEntries) if (e.seen !== gen) this.removeFactory(id);
    }
  }

  upsertJob(job: JobInput): JobEntry {
    const old = this.jobEntries.get(job.id);
    // Requirements depend on the manifest and profile engines only; reuse them when those are unchanged.
    const sameReq = old && old.job.manifest === job.manifest && old.job.preferEngines === job.preferEngines;
    const req = sameReq ? old.group.req : compileRequirements(job, this.config);
    if (old) this.removeJob(job.id);
    let group = this.groupsBySig.get(req.signature);
    if (!group) {
      group = { signature: req.signature, alive: true, req, jobs: new Map(), staticByOffer: new Map() };
      this.groupsBySig.set(req.signature, group);
      for (const f of this.feasibleByOffer.values()) {
        const st = this.staticFor(group, f.offer);
        if (st.reasons.length === 0) f.groups.push({ group, capFit: st.capFit });
      }
    }
    const entry: JobEntry = { job, group, seen: this.generation, selfBlocked: selfReason(job, req) !== null };
    group.jobs.set(job.id, entry);
    this.jobEntries.set(job.id, entry);
    if (job.stage === "queued") this.queuedByProduct.set(job.productId, (this.queuedByProduct.get(job.productId) ?? 0) + 1);
    return entry;
  }

  removeJob(id: string): void {
    const e = this.jobEntries.get(id);
    if (!e) return;
    this.jobEntries.delete(id);
    e.group.jobs.delete(id);
    if (e.group.jobs.size === 0) {
      this.groupsBySig.delete(e.group.signature);
      e.group.alive = false;
      for (const f of this.feasibleByOffer.values()) f.stale = true;
    }
    if (e.job.stage === "queued") {
      const n = (this.queuedByProduct.get(e.job.productId) ?? 1) - 1;
      if (n > 0) this.queuedByProduct.set(e.job.productId, n);
      else this.queuedByProduct.delete(e.job.productId);
    }
  }

  upsertFactory(factory: FactoryInput): FactoryEntry {
    const old = this.factoryEntries.get(factory.id);
    // Snapshots rebuilt from the store bring new arrays each time: compare contents, not references.
    const sameCaps =
      old &&
      old.factory.os === factory.os &&
      sameStrings(old.factory.capabilities, factory.capabilities) &&
      sameStrings(old.factory.warmRepos, factory.warmRepos) &&
      sameStations(old.factory, factory);
    const offer = sameCaps ? old.offer : describeFactoryOffer(factory);
    if (old && old.factory.costPerHour !== factory.costPerHour) this.maxCostDirty = true;
    if (old && old.offer !== offer) this.uncount(old.offer);
    if (!old || old.offer !== offer) this.count(offer);
    if (!old) this.maxCostDirty = true;
    const entry: FactoryEntry = { factory, offer, seen: this.generation };
    this.factoryEntries.set(factory.id, entry);
    return entry;
  }

  removeFactory(id: string): void {
    const e = this.factoryEntries.get(id);
    if (!e) return;
    this.factoryEntries.delete(id);
    this.uncount(e.offer);
    this.maxCostDirty = true;
  }

  private count(offer: FactoryOffer): void {
    for (const c of offer.advertised) this.capCount.set(c, (this.capCount.get(c) ?? 0) + 1);
    this.rare = null;
  }

  private uncount(offer: FactoryOffer): void {
    for (const c of offer.advertised) {
      const n = (this.capCount.get(c) ?? 1) - 1;
      if (n > 0) this.capCount.set(c, n);
      else this.capCount.delete(c);
    }
    this.rare = null;
  }

  /** Rare capability → 1 − its frequency in the fleet. Rebuilt (and static results dropped) when the fleet's capabilities change. */
  rareWeights(): ReadonlyMap<string, number> {
    if (this.rare) return this.rare;
    const rare = new Map<string, number>();
    const n = this.factoryEntries.size;
    for (const [c, k] of this.capCount) {
      const freq = k / n;
      if (countsForRarity(c) && freq <= this.config.rareFraction) rare.set(c, 1 - freq);
    }
    for (const g of this.groupsBySig.values()) g.staticByOffer.clear();
    this.feasibleByOffer.clear();
    this.rare = rare;
    return rare;
  }

  maxCostPerHour(): number {
    if (this.maxCostDirty) {
      let max = 0;
      for (const e of this.factoryEntries.values()) max = Math.max(max, e.factory.costPerHour);
      this.maxCost = max;
      this.maxCostDirty = false;
    }
    return this.maxCost;
  }

  /** The cached static feasibility (and capability fit) of a job group on a factory. */
  staticFor(group: JobGroup, offer: FactoryOffer): StaticResult {
    const rare = this.rareWeights();
    let r = group.staticByOffer.get(offer.signature);
    if (!r) {
      r = { reasons: staticReasons(group.req, offer), capFit: capabilityFit(group.req, offer, rare) };
      group.staticByOffer.set(offer.signature, r);
    }
    return r;
  }

  /** The job groups that a factory with this offer could run, capabilities-wise. */
  feasibleGroups(offer: FactoryOffer): readonly FeasibleGroup[] {
    this.rareWeights();
    let f = this.feasibleByOffer.get(offer.signature);
    if (!f) {
      const groups: FeasibleGroup[] = [];
      for (const group of this.groupsBySig.values()) {
        const st = this.staticFor(group, offer);
        if (st.reasons.length === 0) groups.push({ group, capFit: st.capFit });
      }
      f = { offer, groups, stale: false };
      this.feasibleByOffer.set(offer.signature, f);
    } else if (f.stale) {
      f.groups = f.groups.filter((g) => g.group.alive);
      f.stale = false;
    }
    return f.groups;
  }

  job(id: string): JobEntry | undefined {
    return this.jobEntries.get(id);
  }

  factory(id: string): FactoryEntry | undefined {
    return this.factoryEntries.get(id);
  }

  factories(): IterableIterator<FactoryEntry> {
    return this.factoryEntries.values();
  }

  groupCount(): number {
    return this.groupsBySig.size;
  }

  /** Products with at least one queued job (they compete for a share even with no usage yet). */
  queuedProducts(): IterableIterator<string> {
    return this.queuedByProduct.keys();
  }
}

/** A job whose revision is unchanged needs no recompiling (the caller bumps it on every change). */
function sameRevision(a: JobInput, b: JobInput): boolean {
  return a.revision !== undefined && a.revision === b.revision && a.stage === b.stage;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameStations(a: FactoryInput, b: FactoryInput): boolean {
  if (a.stations === b.stations) return true;
  if (a.stations.length !== b.stations.length) return false;
  return a.stations.every((s, i) => s.engine === b.stations[i]!.engine && (s.slots > 0) === (b.stations[i]!.slots > 0));
}
