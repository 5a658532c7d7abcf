/**
 * The simulation trace (CONTRACT §4): a fleet and a workload, times in seconds. Parsed with zod
 * (every problem names its path, e.g. `jobs[3].duration`), manifests normalized by lib/manifest,
 * and cross-checked: unique names and ids, deps that exist, no dependency cycles.
 */
import { z } from "zod";
import { parseCapability } from "@/lib/capability";
import { parseManifestObject, toFieldProblems } from "@/lib/manifest";
import type { FieldProblem, Manifest } from "@/lib/types";

const name = z.string().min(1).max(200);

const factorySchema = z.strictObject({
  name,
  capabilities: z.array(z.string()).default([]),
  stations: z.array(z.strictObject({ engine: name, slots: z.int().min(1).max(1000) })).min(1),
  costPerHour: z.number().min(0).default(1),
  warm: z.array(z.string()).default([]),
  /** recent failed attempts, for the health scorer */
  recentFailures: z.int().min(0).default(0),
});

const jobSchema = z.strictObject({
  id: name,
  submitAt: z.number().min(0),
  duration: z.number().positive(),
  product: name.default("default"),
  manifest: z.record(z.string(), z.unknown()).default({}),
});

const traceSchema = z.strictObject({
  seed: z.string().default("trace"),
  description: z.string().optional(),
  factories: z.array(factorySchema).min(1),
  jobs: z.array(jobSchema).min(1),
});

export interface TraceFactory {
  name: string;
  os: "mac" | "linux" | "windows";
  capabilities: string[];
  stations: { engine: string; slots: number }[];
  costPerHour: number;
  warm: string[];
  recentFailures: number;
}

export interface TraceJob {
  id: string;
  submitAt: number;
  duration: number;
  product: string;
  manifest: Manifest;
}

export interface Trace {
  seed: string;
  description?: string;
  factories: TraceFactory[];
  jobs: TraceJob[];
}

export type TraceResult = { ok: true; trace: Trace } | { ok: false; errors: FieldProblem[] };

function osOf(capabilities: readonly string[]): TraceFactory["os"] {
  for (const c of capabilities) {
    const p = parseCapability(c);
    if (p.ok && p.cap.kind === "os" && p.cap.os !== "any") return p.cap.os;
  }
  return "linux";
}

function findCycle(jobs: readonly TraceJob[]): string[] | null {
  const deps = new Map(jobs.map((j) => [j.id, j.manifest.deps]));
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (id: string): string[] | null => {
    if (state.get(id) === "done") return null;
    if (state.get(id) === "visiting") return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, "visiting");
    stack.push(id);
    for (const d of deps.get(id) ?? []) {
      const c = visit(d);
      if (c) return c;
    }
    stack.pop();
    state.set(id, "done");
    return null;
  };
  for (const j of jobs) {
    const c = visit(j.id);
    if (c) return c;
  }
  return null;
}

export function parseTrace(input: unknown): TraceResult {
  const parsed = traceSchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: toFieldProblems(parsed.error.issues, { root: "(trace)" }) };
  const errors: FieldProblem[] = [];

  const names = new Set<string>();
  const factories: TraceFactory[] = parsed.data.factories.map((f, i) => {
    if (names.has(f.name)) errors.push({ path: `factories[${i}].name`, message: `duplicate factory name "${f.name}"` });
    names.add(f.name);
    f.capabilities.forEach((c, k) => {
      const p = parseCapability(c);
      if (!p.ok) errors.push({ path: `factories[${i}].capabilities[${k}]`, message: p.message });
    });
    return { ...f, os: osOf(f.capabilities) };
  });

  const ids = new Set<string>();
  const jobs: TraceJob[] = [];
  parsed.data.jobs.forEach((j, i) => {
    if (ids.has(j.id)) errors.push({ path: `jobs[${i}].id`, message: `duplicate job id "${j.id}"` });
    ids.add(j.id);
    const m = parseManifestObject(j.manifest, { prefix: `jobs[${i}].manifest` });
    if (!m.ok) errors.push(...m.errors);
    else jobs.push({ ...j, manifest: m.manifest });
  });
  if (errors.length > 0) return { ok: false, errors };

  jobs.forEach((j, i) =>
    j.manifest.deps.forEach((d, k) => {
      if (!ids.has(d)) errors.push({ path: `jobs[${i}].manifest.deps[${k}]`, message: `unknown job "${d}"` });
    }),
  );
  if (errors.length > 0) return { ok: false, errors };
  const cycle = findCycle(jobs);
  if (cycle) return { ok: false, errors: [{ path: "jobs", message: `dependency cycle: ${cycle.join(" → ")}` }] };

  return { ok: true, trace: { seed: parsed.data.seed, ...(parsed.data.description ? { description: parsed.data.description } : {}), factories, jobs } };
}
