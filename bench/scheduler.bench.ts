/**
 * Scheduler decision latency at scale: 1,000 factories × 10,000 queued jobs (CONTRACT §5
 * `sched_decision_p99_ms`, target ≤ 10 ms). A decision is one claim in the pull model:
 * `rankForFactory` for a random factory, with the index kept across claims and the claimed job
 * removed before the next one (as the coordinator's claim path does). The baseline in the same run
 * is a naive full scan: every job compiled and checked against the claiming factory, no index.
 */
import { performance } from "node:perf_hooks";
import { compileRequirements, createIndex, describeFactoryOffer, placeJob, rankForFactory, resolveConfig, staticReasons } from "@/server/scheduler";
import type { FactoryInput, JobInput, Snapshot } from "@/server/scheduler";
import { manifest } from "@/server/scheduler/fixtures/build";
import { mulberry32 } from "@/server/scheduler/prng";
import { PRIORITIES } from "@/lib/types";

export const name = "scheduler";

const FACTORIES = 1_000;
const JOBS = 10_000;
const DECISIONS = 1_000;
const NAIVE_DECISIONS = 40;

function pick<T>(rand: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rand() * xs.length)]!;
}

export function buildFleet(rand: () => number): FactoryInput[] {
  const out: FactoryInput[] = [];
  for (let i = 0; i < FACTORIES; i++) {
    const kind = i % 20 === 0 ? "gpu" : i % 10 === 1 ? "mac" : i % 50 === 3 ? "win" : "linux";
    const os = kind === "mac" ? "mac" : kind === "win" ? "windows" : "linux";
    const caps = [`os:${os}`, `node:${pick(rand, ["18.19.0", "20.11.1", "22.3.0"])}`, "cred:github", `region:${pick(rand, ["eu", "us", "ap"])}`];
    if (kind === "mac") caps.push("has:xcode");
    if (kind === "gpu") caps.push("gpu", "has:cuda");
    if (rand() < 0.5) caps.push("docker");
    const engines = ["claude", "codex", "gemini"].filter(() => rand() < 0.7);
    if (engines.length === 0) engines.push("claude");
    out.push({
      id: `f${i}`,
      name: `factory-${i}`,
      os,
      capabilities: caps,
      stations: engines.map((engine) => {
        const slots = 1 + Math.floor(rand() * 3);
        return { engine, slots, free: rand() < 0.3 ? Math.floor(rand() * (slots + 1)) : 0 };
      }),
      recentFailures: rand() < 0.1 ? 2 : 0,
      healthy: rand() > 0.01,
      status: rand() < 0.97 ? "online" : "draining",
      costPerHour: 0.5 + Math.floor(rand() * 8),
      warmRepos: [`repo-${Math.floor(rand() * 30)}`, `repo-${Math.floor(rand() * 30)}`],
      running: [],
    });
  }
  return out;
}

const REQUIREMENTS = [[], [], [], ["os:linux"], ["os:mac", "has:xcode"], ["gpu"], ["node>=20"], ["node>=20", "docker"], ["cred:github"], ["os:windows"], ["region:eu"]];

export function buildQueue(rand: () => number, now: number): JobInput[] {
  const out: JobInput[] = [];
  for (let i = 0; i < JOBS; i++) {
    const useClass = rand() < 0.5;
    out.push({
      id: `job-${i}`,
      productId: `p${Math.floor(rand() * 20)}`,
      manifest: manifest({
        ...(useClass ? { "engine-class": "agentic-coder" } : { engine: pick(rand, ["claude", "codex", "gemini"]) }),
        capabilities: pick(rand, REQUIREMENTS),
        priority: pick(rand, PRIORITIES),
        repo: `repo-${Math.floor(rand() * 30)}`,
        ...(rand() < 0.1 ? { lock: `lock-${Math.floor(rand() * 50)}` } : {}),
      }),
      stage: "queued",
      createdAt: now - Math.floor(rand() * 3_600_000),
      queuedAt: now - Math.floor(rand() * 3_600_000),
      attempts: 0,
      depsMet: true,
      preferEngines: [],
    });
  }
  return out;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** What the scheduler would do without signatures: compile and check every job against the factory. */
function naiveRank(snapshot: Snapshot, factoryId: string): string | undefined {
  const config = resolveConfig();
  const f = snapshot.factories.find((x) => x.id === factoryId)!;
  const offer = describeFactoryOffer(f);
  let best: { id: string; key: number } | undefined;
  for (const job of snapshot.jobs) {
    const req = compileRequirements(job, config);
    if (staticReasons(req, offer).length > 0) continue;
    if (!req.engines.some((e) => f.stations.some((s) => s.engine === e && s.free > 0))) continue;
    const key = PRIORITIES.indexOf(job.manifest.priority) * 1e13 + job.queuedAt;
    if (!best || key < best.key) best = { id: job.id, key };
  }
  return best?.id;
}

export async function run(): Promise<Record<string, number>> {
  const rand = mulberry32(42);
  const now = 1_700_000_000_000;
  const factories = buildFleet(rand);
  let jobs = buildQueue(rand, now);
  const base: Snapshot = { now, seed: "bench", jobs, factories, locks: {}, killSwitch: false, pausedProducts: [], fairness: {} };

  const index = createIndex();
  let t = performance.now();
  index.sync(base);
  const buildMs = performance.now() - t;

  const claimers = factories.filter((f) => f.status === "online" && f.healthy && f.stations.some((s) => s.free > 0));
  const claim = (f: FactoryInput, into: number[]) => {
    const snap = { ...base, jobs };
    t = performance.now();
    const r = rankForFactory(snap, f.id, { index });
    into.push(performance.now() - t);
    const taken = r.ranked[0]?.jobId;
    if (taken) jobs = jobs.filter((j) => j.id !== taken);
  };
  // Cold: the first claim of each factory fills the per-signature caches that a running
  // coordinator keeps warm; measured separately from the steady state.
  const coldTimes: number[] = [];
  for (const f of claimers) claim(f, coldTimes);
  const rankTimes: number[] = [];
  for (let i = 0; i < DECISIONS; i++) claim(pick(rand, claimers), rankTimes);

  const placeTimes: number[] = [];
  for (let i = 0; i < DECISIONS / 5; i++) {
    const j = pick(rand, jobs);
    t = performance.now();
    placeJob({ ...base, jobs }, j.id, { index });
    placeTimes.push(performance.now() - t);
  }

  const naiveTimes: number[] = [];
  for (let i = 0; i < NAIVE_DECISIONS; i++) {
    const f = pick(rand, claimers);
    t = performance.now();
    naiveRank({ ...base, jobs }, f.id);
    naiveTimes.push(performance.now() - t);
  }

  return {
    sched_decision_p50_ms: percentile(rankTimes, 50),
    sched_decision_p99_ms: percentile(rankTimes, 99),
    sched_decision_cold_p99_ms: percentile(coldTimes, 99),
    sched_place_p99_ms: percentile(placeTimes, 99),
    sched_naive_scan_p50_ms: percentile(naiveTimes, 50),
    sched_naive_scan_p99_ms: percentile(naiveTimes, 99),
    sched_index_build_ms: buildMs,
    sched_job_groups: index.groupCount(),
  };
}
