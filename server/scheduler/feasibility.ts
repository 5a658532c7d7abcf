/**
 * The feasibility checks: each is a named function with a constant reason code (reasons.ts).
 * Job-level checks fail whatever the factory; static factory checks depend only on the job's
 * requirement signature and the factory's capability signature (so they are cached by the index);
 * dynamic factory checks look at the factory's state right now. pipeline.ts declares them in
 * tables; a decision runs all of them and keeps every failure, never only the first, so "why is
 * this waiting?" has a complete answer.
 */
import { satisfies, type Capability } from "@/lib/capability";
import { REASON } from "./reasons";
import type { Requirements, FactoryOffer } from "./requirements";
import type { FactoryInput, JobInput, Reason, Snapshot } from "./types";

// ── job-level ────────────────────────────────────────────────────────────────────────────────

export function checkQueued(job: JobInput): Reason | null {
  if (job.stage === "queued") return null;
  if (job.stage === "blocked") return null; // reported as deps_unmet by checkDepsMet
  return { code: REASON.notQueued, detail: `job is ${job.stage}, not queued` };
}

export function checkKillSwitch(snapshot: Snapshot): Reason | null {
  return snapshot.killSwitch ? { code: REASON.killSwitch, detail: "the kill switch is on" } : null;
}

export function checkProductPaused(job: JobInput, paused: ReadonlySet<string>): Reason | null {
  return paused.has(job.productId) ? { code: REASON.productPaused, detail: `product ${job.productId} is paused` } : null;
}

export function checkDepsMet(job: JobInput): Reason | null {
  if (job.depsMet && job.stage !== "blocked") return null;
  return { code: REASON.depsUnmet, detail: `waiting for deps: ${job.manifest.deps.join(", ") || "(unknown)"}` };
}

export function checkBudgetLeft(job: JobInput): Reason | null {
  const b = job.budgetRemaining;
  if (!b) return null;
  const spent: string[] = [];
  if (b.usd !== undefined && b.usd <= 0) spent.push("usd");
  if (b.tokens !== undefined && b.tokens <= 0) spent.push("tokens");
  if (b.wall !== undefined && b.wall <= 0) spent.push("wall");
  return spent.length ? { code: REASON.budgetExhausted, detail: `budget exhausted: ${spent.join(", ")}` } : null;
}

export function checkLockFree(job: JobInput, locks: Readonly<Record<string, string>>): Reason | null {
  const lock = job.manifest.lock;
  if (!lock) return null;
  const holder = Object.hasOwn(locks, lock) ? locks[lock] : undefined;
  if (holder === undefined || holder === job.id) return null;
  return { code: REASON.lockHeld, detail: `lock ${lock} is held by ${holder}` };
}

export function checkCapabilitiesValid(req: Requirements): Reason | null {
  if (req.invalid.length === 0) return null;
  return { code: REASON.capabilityInvalid, detail: `unreadable capabilities: ${req.invalid.join(", ")}` };
}

export function checkEngineResolved(req: Requirements): Reason | null {
  return req.engineProblem === undefined ? null : { code: REASON.noEngine, detail: req.engineProblem };
}

export interface JobCheckContext {
  snapshot: Snapshot;
  paused: ReadonlySet<string>;
}

// ── factory-level, static ────────────────────────────────────────────────────────────────────

function advertisedVersion(tool: string, offer: FactoryOffer): string | undefined {
  for (const a of offer.advertised) if (a.startsWith(`${tool}:`)) return a;
  return undefined;
}

/**
 * Whether the offer meets one requirement. The offer's advertised set is already canonical
 * (requirements.ts), so anything but a version constraint is a set lookup; lib/capability's
 * `satisfies` would re-parse every advertised string on each miss, which the claim path can't afford.
 */
export function offerSatisfies(cap: Capability, canonical: string, offer: FactoryOffer): boolean {
  return cap.kind === "version" ? satisfies(cap, offer.advertised) : offer.advertised.has(canonical);
}

/** One reason per unmet requirement, coded by its kind. */
export function checkCapability(cap: Capability, canonical: string, offer: FactoryOffer): Reason | null {
  if (offerSatisfies(cap, canonical, offer)) return null;
  switch (cap.kind) {
    case "os":
      return { code: REASON.osMismatch, detail: `needs ${canonical}` };
    case "version": {
      const have = advertisedVersion(cap.tool, offer);
      return { code: REASON.versionUnmet, detail: `needs ${canonical} (${have ? `has ${have}` : `no ${cap.tool} version advertised`})` };
    }
    case "flag":
      return cap.name === "gpu"
        ? { code: REASON.gpuMissing, detail: "needs gpu" }
        : { code: REASON.capabilityMissing, detail: `needs ${canonical}` };
    case "tag":
      return { code: REASON.capabilityMissing, detail: `needs ${canonical}` };
  }
}

export function checkEngineInstalled(req: Requirements, offer: FactoryOffer): Reason | null {
  if (req.engines.length === 0) return null; // already a job-level failure
  if (req.engines.some((e) => offer.engines.has(e))) return null;
  return { code: REASON.engineUnavailable, detail: `no station for ${req.engines.join(" | ")}` };
}

// ── factory-level, dynamic ───────────────────────────────────────────────────────────────────

export function checkFactoryStatus(factory: FactoryInput): Reason | null {
  switch (factory.status) {
    case "online":
      return null;
    case "offline":
      return { code: REASON.factoryOffline, detail: `${factory.name} offline` };
    case "draining":
      return { code: REASON.factoryDraining, detail: `${factory.name} draining` };
  }
}

export function checkFactoryHealth(factory: FactoryInput): Reason | null {
  return factory.healthy
    ? null
    : { code: REASON.factoryUnhealthy, detail: `${factory.name} unhealthy (${factory.recentFailures} recent failures)` };
}

/** The first engine of the job's list with a free slot on this factory, or why there is none. */
export function pickFreeStation(req: Requirements, factory: FactoryInput): { engine: string } | Reason {
  const busy: string[] = [];
  for (const engine of req.engines) {
    let slots = 0;
    let free = 0;
    for (const s of factory.stations) {
      if (s.engine !== engine) continue;
      slots += s.slots;
      free += s.free;
    }
    if (free > 0) return { engine };
    if (slots > 0) busy.push(`${engine} ${slots}/${slots} busy`);
  }
  return { code: REASON.noFreeStation, detail: `${factory.name} busy (${busy.join(", ") || "no station"})` };
}

export function isReason(x: { engine: string } | Reason): x is Reason {
  return "code" in x;
}
