/**
 * The runs of one agent process, whatever transport they came from (./transport.ts): one place
 * builds a JobRun from a claim (engine choice, adapter, limits, isolation), counts what runs per
 * engine against the stations and --max, and stops them. The online loop, the folder loop and the
 * fallback folder (which shares the online agent's stations) all start their runs here.
 */
import type { ClaimResponse, Station } from "@/lib/protocol";
import type { Detection } from "../detect/detect";
import type { EngineAdapter } from "../engines/adapters";
import { JobRun, type StopReason } from "../run/job-runner";
import type { GitTokens } from "../run/delivery";
import type { Isolation } from "../run/sandbox/isolation";
import { freeStations } from "./stations";
import type { Transport } from "./transport";

export interface JobPoolDeps {
  adapters: Record<string, EngineAdapter>;
  env: NodeJS.ProcessEnv;
  isolation: Isolation;
  workdir: string;
  max: number;
  gitTokens?: GitTokens;
  detection: () => Detection;
  log: (msg: string) => void;
  /** a run ended and its station is free again */
  onFree: () => void;
}

export interface PoolEntry {
  run: JobRun;
  engine: string;
  claim: ClaimResponse;
  transport: Transport;
}

export class JobPool {
  private readonly runs = new Map<string, PoolEntry>();

  constructor(private readonly d: JobPoolDeps) {}

  get size(): number {
    return this.runs.size;
  }

  get(leaseId: string): PoolEntry | undefined {
    return this.runs.get(leaseId);
  }

  has(leaseId: string): boolean {
    return this.runs.has(leaseId);
  }

  /** The runs that came through this transport (all of them without one). */
  entries(transport?: Transport): PoolEntry[] {
    return [...this.runs.values()].filter((e) => !transport || e.transport === transport);
  }

  runningByEngine(transport?: Transport): Map<string, number> {
    const m = new Map<string, number>();
    for (const e of this.entries(transport)) m.set(e.engine, (m.get(e.engine) ?? 0) + 1);
    return m;
  }

  free(): Station[] {
    return freeStations(this.d.detection().stations, this.runningByEngine(), this.d.max);
  }

  stopAll(reason: StopReason, why: string, transport?: Transport): void {
    for (const e of this.entries(transport)) e.run.stop(reason, why);
  }

  /** Resolves when every run (of this transport) has ended. */
  async drained(transport?: Transport): Promise<void> {
    await Promise.all(this.entries(transport).map((e) => e.run.done.catch(() => undefined)));
  }

  /**
   * Starts a claimed job. The engine: the one the claim names (the coordinator's placement, or the
   * folder's choice), else the manifest's, if offered here; else a free station's. A job that asked
   * for an engine this machine lacks runs nothing and fails with the reason.
   */
  start(claim: ClaimResponse, t: Transport): JobRun {
    const detection = this.d.detection();
    const manifest = claim.job.manifest;
    const have = new Set(detection.stations.map((s) => s.engine));
    const engine = [claim.engine, manifest.engine].find((e) => e && have.has(e)) ?? this.free()[0]?.engine ?? detection.stations[0]!.engine;
    const found = detection.engines.find((e) => e.engine === engine);
    const wanted = claim.engine ?? manifest.engine;
    const run = new JobRun({
      claim,
      engine,
      adapter: this.d.adapters[engine]!,
      ...(found ? { command: found.path } : {}),
      client: t.lease,
      workdir: this.d.workdir,
      graceMs: Number(this.d.env.FLEET_AGENT_KILL_GRACE_MS) || 10_000,
      verifyTimeoutMs: Number(this.d.env.FLEET_AGENT_VERIFY_TIMEOUT_MS) || 30 * 60_000,
      env: this.d.env,
      isolation: this.d.isolation,
      log: this.d.log,
      ...(this.d.gitTokens ? { gitTokens: this.d.gitTokens } : {}),
      ...(wanted && wanted !== engine ? { refuse: `engine ${wanted} is not available on this factory` } : {}),
      ...t.runOptions?.(claim),
    });
    this.runs.set(claim.lease.id, { run, engine, claim, transport: t });
    t.started?.(claim);
    void run.done
      .then(
        (r) => t.ended?.(claim, r),
        (e: Error) => {
          this.d.log(`job ${claim.job.id} crashed: ${e.stack ?? e.message}`);
          t.ended?.(claim, undefined);
        },
      )
      .catch((e: Error) => this.d.log(`job ${claim.job.id}: ${e.stack ?? e.message}`))
      .finally(() => {
        this.runs.delete(claim.lease.id);
        this.d.onFree();
      });
    return run;
  }
}
