import "server-only";
import { advertisedSet, parseCapability, satisfies } from "@/lib/capability";
import type { Station } from "@/lib/protocol";
import type { FactoryRecord, JobRecord } from "@/server/store/records";

/**
 * Placement until the scheduler lands: the first candidate (the store lists them by priority, then
 * age) whose capability requirements the factory advertises and whose engine one of the factory's
 * free stations offers. This is the ONE seam to swap for `server/scheduler` later; it keeps the
 * scheduler's output shape (a placement with a reason, or nothing).
 */
export interface Placement {
  job: JobRecord;
  engine: string;
  reason: string;
}

export function chooseJob(candidates: readonly JobRecord[], factory: FactoryRecord, free: readonly Station[]): Placement[] {
  const engines = free.filter((s) => s.slots > 0).map((s) => s.engine);
  if (engines.length === 0) return [];
  // Stations make their engines capabilities too (`engine:codex`), as CONTRACT §1 lets jobs ask for them.
  const advertised = advertisedSet([...factory.capabilities, ...engines.map((e) => `engine:${e}`)]);
  const out: Placement[] = [];
  for (const job of candidates) {
    if (!meetsCapabilities(job, advertised)) continue;
    const engine = pickEngine(job, engines);
    if (!engine) continue;
    out.push({ job, engine, reason: `first ${job.priority}-priority job this factory can run (capabilities met, ${engine} station free)` });
  }
  return out;
}

function meetsCapabilities(job: JobRecord, advertised: ReadonlySet<string>): boolean {
  for (const text of job.manifest.capabilities) {
    const cap = parseCapability(text);
    if (!cap.ok || !satisfies(cap.cap, advertised)) return false;
  }
  return true;
}

function pickEngine(job: JobRecord, engines: readonly string[]): string | undefined {
  if (job.manifest.engine) return engines.includes(job.manifest.engine) ? job.manifest.engine : undefined;
  // Soft hints: `prefers: [engine:codex]` (a profile's prefers-engine lands here, in order).
  for (const hint of job.manifest.prefers) {
    if (hint.startsWith("engine:") && engines.includes(hint.slice(7))) return hint.slice(7);
  }
  return engines[0];
}
