/**
 * Runs a trace under both policies and summarises: makespan against the lower bound, utilization,
 * waits per priority, fairness across products, capability misses, unplaceable jobs. The top
 * level of the report is the scheduler's run; `fifo` holds the same figures for the baseline.
 */
import { PRIORITIES, type Priority } from "@/lib/types";
import { explainPending } from "@/server/scheduler";
import { capableFactories, type Capable } from "./feasible-sets";
import { lowerBound } from "./lower-bound";
import { runSimulation, type Policy, type RunResult } from "./simulate";
import { mean, percentile, round3 } from "./stats";
import type { Trace } from "./trace";
import { factoryView, jobView } from "./views";

export interface PolicyFigures {
  makespan: number;
  /** makespan ÷ lowerBound (1 is optimal) */
  ratio: number;
  utilization: number;
  /** seconds from ready (submitted and deps done) to start; null when no job had that priority */
  waitP50: Record<Priority, number | null>;
  waitP95: Record<Priority, number | null>;
  meanWaitByProduct: Record<string, number>;
  /** max ÷ min mean wait across products, each plus 1 s so that zero waits compare (1 = even) */
  fairness: number;
  capabilityMisses: number;
  capabilityMissDetails: RunResult["capabilityMisses"];
  preemptions: number;
  lostWorkSeconds: number;
  deferredJobs: number;
  /** placeable jobs that never started (a stall; must be empty) */
  stuck: string[];
}

export interface UnplaceableJob {
  jobId: string;
  reason: string;
  codes: string[];
}

export interface SimulationReport extends PolicyFigures {
  policy: "scheduler";
  jobs: number;
  factories: number;
  slots: number;
  lowerBound: number;
  lowerBoundBy: string;
  unplaceable: UnplaceableJob[];
  fifo: PolicyFigures & { policy: "fifo" };
}

function byPriority(run: RunResult, p: number): Record<Priority, number | null> {
  const out = {} as Record<Priority, number | null>;
  for (const pr of PRIORITIES) {
    const waits = run.outcomes.filter((o) => o.priority === pr).map((o) => o.startAt - o.readyAt);
    out[pr] = waits.length ? round3(percentile(waits, p)) : null;
  }
  return out;
}

function figures(run: RunResult, slots: number, bound: number): PolicyFigures {
  const makespan = run.outcomes.reduce((m, o) => Math.max(m, o.endAt), 0);
  const products = [...new Set(run.outcomes.map((o) => o.product))].sort();
  const meanWaitByProduct: Record<string, number> = {};
  for (const p of products) meanWaitByProduct[p] = round3(mean(run.outcomes.filter((o) => o.product === p).map((o) => o.startAt - o.readyAt)));
  const means = Object.values(meanWaitByProduct);
  return {
    makespan: round3(makespan),
    ratio: bound > 0 ? round3(makespan / bound) : 1,
    utilization: makespan > 0 ? round3(run.busySlotSeconds / (slots * makespan)) : 0,
    waitP50: byPriority(run, 50),
    waitP95: byPriority(run, 95),
    meanWaitByProduct,
    fairness: means.length ? round3((Math.max(...means) + 1) / (Math.min(...means) + 1)) : 1,
    capabilityMisses: run.capabilityMisses.length,
    capabilityMissDetails: run.capabilityMisses,
    preemptions: run.preemptions,
    lostWorkSeconds: round3(run.lostWorkSeconds),
    deferredJobs: run.deferredJobs,
    stuck: run.stuck,
  };
}

/** Jobs no factory can ever run (explained by the scheduler on an idle fleet), and jobs that depend on them. */
function findUnplaceable(trace: Trace, capable: ReadonlyMap<string, Capable>): UnplaceableJob[] {
  const idle = trace.factories.map((f) => factoryView(f));
  const out = new Map<string, UnplaceableJob>();
  for (const j of trace.jobs) {
    if (capable.get(j.id)!.factories.length > 0) continue;
    const e = explainPending(
      { now: 0, seed: trace.seed, jobs: [jobView(j, 0)], factories: idle, locks: {}, killSwitch: false, pausedProducts: [], fairness: {} },
      j.id,
    );
    out.set(j.id, { jobId: j.id, reason: e.sentence, codes: Object.keys(e.counts).sort() });
  }
  // Downstream of an unplaceable job nothing can start either; trace order may not be topological.
  for (let changed = true; changed; ) {
    changed = false;
    for (const j of trace.jobs) {
      if (out.has(j.id)) continue;
      const blocker = j.manifest.deps.find((d) => out.has(d));
      if (blocker) {
        out.set(j.id, { jobId: j.id, reason: `depends on unplaceable ${blocker}`, codes: ["deps_unmet"] });
        changed = true;
      }
    }
  }
  return trace.jobs.filter((j) => out.has(j.id)).map((j) => out.get(j.id)!);
}

export function simulateTrace(trace: Trace): SimulationReport {
  const capable = capableFactories(trace);
  const unplaceable = findUnplaceable(trace, capable);
  const never = new Set(unplaceable.map((u) => u.jobId));
  const placeable = new Set(trace.jobs.filter((j) => !never.has(j.id)).map((j) => j.id));
  const bound = lowerBound(trace, capable, placeable);
  const slots = trace.factories.reduce((n, f) => n + f.stations.reduce((k, s) => k + s.slots, 0), 0);
  const run = (policy: Policy) => figures(runSimulation(trace, policy, capable, placeable), slots, bound.value);
  return {
    policy: "scheduler",
    jobs: trace.jobs.length,
    factories: trace.factories.length,
    slots,
    lowerBound: round3(bound.value),
    lowerBoundBy: bound.boundBy,
    unplaceable,
    ...run("scheduler"),
    fifo: { policy: "fifo", ...run("fifo") },
  };
}

function fmt(x: number | null): string {
  return x === null ? "–" : Number.isInteger(x) ? String(x) : x.toFixed(2);
}

/** The human-readable report: one row per figure, scheduler and FIFO side by side. */
export function formatReport(r: SimulationReport): string {
  const rows: [string, string, string][] = [
    ["makespan (s)", fmt(r.makespan), fmt(r.fifo.makespan)],
    ["makespan ÷ lower bound", fmt(r.ratio), fmt(r.fifo.ratio)],
    ["utilization", fmt(r.utilization), fmt(r.fifo.utilization)],
  ];
  for (const p of PRIORITIES) {
    if (r.waitP50[p] === null && r.fifo.waitP50[p] === null) continue;
    rows.push([`wait p50 ${p} (s)`, fmt(r.waitP50[p]), fmt(r.fifo.waitP50[p])]);
    rows.push([`wait p95 ${p} (s)`, fmt(r.waitP95[p]), fmt(r.fifo.waitP95[p])]);
  }
  for (const p of Object.keys(r.meanWaitByProduct)) {
    rows.push([`mean wait ${p} (s)`, fmt(r.meanWaitByProduct[p] ?? null), fmt(r.fifo.meanWaitByProduct[p] ?? null)]);
  }
  rows.push(
    ["fairness (max÷min mean wait)", fmt(r.fairness), fmt(r.fifo.fairness)],
    ["capability misses", fmt(r.capabilityMisses), fmt(r.fifo.capabilityMisses)],
    ["preemptions", fmt(r.preemptions), fmt(r.fifo.preemptions)],
    ["jobs deferred to a better factory", fmt(r.deferredJobs), fmt(r.fifo.deferredJobs)],
  );
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max("scheduler".length, ...rows.map((x) => x[1].length));
  const lines = [
    `${r.jobs} jobs on ${r.factories} factories (${r.slots} slots); lower bound ${fmt(r.lowerBound)} s (${r.lowerBoundBy})`,
    "",
    `${"".padEnd(w0)}  ${"scheduler".padStart(w1)}  ${"fifo".padStart(6)}`,
    ...rows.map(([k, a, b]) => `${k.padEnd(w0)}  ${a.padStart(w1)}  ${b.padStart(6)}`),
  ];
  if (r.unplaceable.length > 0) {
    lines.push("", `unplaceable (${r.unplaceable.length}):`);
    for (const u of r.unplaceable) lines.push(`  ${u.jobId}: ${u.reason}`);
  }
  const stuck = [...r.stuck, ...r.fifo.stuck];
  if (stuck.length > 0) lines.push("", `never started (a stall): ${stuck.join(", ")}`);
  return lines.join("\n") + "\n";
}
