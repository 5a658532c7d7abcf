/**
 * Compiles what a job needs (hard requirements, engine choices, soft preferences) and what a
 * factory offers into comparable forms with signatures. Jobs with the same requirement signature
 * share one feasibility computation per factory capability signature (see scheduler-index.ts).
 */
import { parseCapability, type Capability } from "@/lib/capability";
import type { SchedulerConfig } from "./config";
import type { FactoryInput, JobInput } from "./types";

export interface Requirements {
  /** parsed hard requirements, `os:any` dropped (it matches everything) */
  caps: readonly { cap: Capability; canonical: string }[];
  /** canonical required and preferred strings (for the rarity term: what the job asks for is not surplus) */
  needed: ReadonlySet<string>;
  /** capability strings that did not parse */
  invalid: readonly string[];
  /** engines that may run the job, in the order they are tried */
  engines: readonly string[];
  /** why `engines` is empty, when it is */
  engineProblem?: string;
  /** soft hints: factory names/ids and capabilities */
  preferFactories: readonly string[];
  preferCaps: readonly Capability[];
  /** the repo key used for warm-checkout affinity */
  repo?: string;
  /** `capabilities: [factory:<id or name>]`: only that factory may run the job (a Retry push) */
  pinFactory?: string;
  signature: string;
}

export interface FactoryOffer {
  /** canonical advertised strings, plus os:<os> and engine:<station engine> */
  advertised: ReadonlySet<string>;
  /** engines with at least one station (free or not) */
  engines: ReadonlySet<string>;
  warm: ReadonlySet<string>;
  signature: string;
}

/** "git@github.com:acme/web.git", "https://…/web", "repo:web" and "web" all key as "web". */
export function repoKey(repo: string): string {
  let r = repo.trim();
  if (r.startsWith("repo:")) r = r.slice(5);
  r = r.replace(/\.git$/, "").replace(/\/+$/, "");
  const slash = Math.max(r.lastIndexOf("/"), r.lastIndexOf(":"));
  return (slash >= 0 ? r.slice(slash + 1) : r).toLowerCase();
}

function resolveEngines(job: JobInput, config: SchedulerConfig): { engines: string[]; problem?: string } {
  const m = job.manifest;
  if (m.engine) return { engines: [m.engine] };
  if (job.preferEngines.length > 0) return { engines: [...job.preferEngines] };
  const cls = m["engine-class"] ?? config.defaultEngineClass;
  const engines = config.engineClasses[cls];
  if (!engines || engines.length === 0) return { engines: [], problem: `engine-class "${cls}" names no known engine` };
  return { engines: [...engines] };
}

export function compileRequirements(job: JobInput, config: SchedulerConfig): Requirements {
  // Deduplicated and sorted, so that equivalent requirement lists share one signature.
  const byCanonical = new Map<string, Capability>();
  const invalid: string[] = [];
  let pinFactory: string | undefined;
  for (const text of job.manifest.capabilities) {
    // Checked per factory (pipeline "pinned-factory"), not against what factories advertise.
    if (text.startsWith("factory:")) {
      pinFactory = text.slice("factory:".length);
      continue;
    }
    const p = parseCapability(text);
    if (!p.ok) invalid.push(text);
    else if (!(p.cap.kind === "os" && p.cap.os === "any")) byCanonical.set(p.canonical, p.cap);
  }
  const caps = [...byCanonical.keys()].sort().map((canonical) => ({ cap: byCanonical.get(canonical)!, canonical }));
  const { engines, problem } = resolveEngines(job, config);
  const preferFactories: string[] = [];
  const preferCaps: Capability[] = [];
  const preferCanonical: string[] = [];
  for (const text of job.manifest.prefers) {
    if (text.startsWith("factory:")) {
      preferFactories.push(text.slice("factory:".length));
      continue;
    }
    const p = parseCapability(text);
    // A malformed hint is ignored: hints are soft, and the manifest parser already reports them.
    if (p.ok) {
      preferCaps.push(p.cap);
      preferCanonical.push(p.canonical);
    }
  }
  const repo = job.manifest.repo ? repoKey(job.manifest.repo) : undefined;
  const signature = JSON.stringify([
    caps.map((c) => c.canonical),
    invalid,
    engines,
    [...job.manifest.prefers].sort(),
    repo ?? "",
    pinFactory ?? "",
  ]);
  return {
    caps,
    needed: new Set([...caps.map((c) => c.canonical), ...preferCanonical]),
    invalid,
    engines,
    ...(problem ? { engineProblem: problem } : {}),
    preferFactories,
    preferCaps,
    ...(repo ? { repo } : {}),
    ...(pinFactory ? { pinFactory } : {}),
    signature,
  };
}

export function describeFactoryOffer(factory: FactoryInput): FactoryOffer {
  const advertised = new Set<string>();
  for (const text of factory.capabilities) {
    const p = parseCapability(text);
    advertised.add(p.ok ? p.canonical : text);
  }
  advertised.add(`os:${factory.os}`);
  const engines = new Set<string>();
  for (const s of factory.stations) {
    if (s.slots > 0) {
      engines.add(s.engine);
      advertised.add(`engine:${s.engine}`);
    }
  }
  const warm = new Set(factory.warmRepos.map(repoKey));
  const signature = JSON.stringify([[...advertised].sort(), [...engines].sort()]);
  return { advertised, engines, warm, signature };
}
