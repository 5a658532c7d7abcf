/**
 * `fleet-agent --offline DIR`: the folder queue, with no coordinator (CONTRACT §3).
 *
 *   scan inbox/*.md → pick (priority, then name) → rename into building/ (the claim) → the same
 *   JobRun as online jobs, with a local lease (./local-lease.ts) → <stem>.log + <stem>.result.json
 *   → move by the coordinator's Phase-0 rules (lib/stages):
 *       engine exit 0 → review; with verify: pass → testing, fail → failed; engine failure,
 *       timeout, budget or cancel → failed; `review-policy: auto` + verify passed + nothing out
 *       of scope → shipped. Nothing else reaches shipped: a person moves the file.
 *
 * A file that does not validate (lib/manifest, or a profile it names that is missing or invalid)
 * is claimed the same way and moved to failed/ with `<stem>.errors.txt` (`path: message` lines).
 * A valid file this agent cannot run now stays in inbox/ (another agent on the same folder may
 * take it): its engine is not offered here, a required capability is missing, a `deps` entry has
 * no file in testing/ or shipped/ (by file stem or idempotency-key), or its `lock` is held by a
 * file in building/ (checked again after the claim: of two agents claiming same-lock jobs at once,
 * each one that sees the other puts its file back in inbox/). Retries are not attempted offline: move the file back to inbox/ to run it again.
 *
 * Stopping: the first SIGTERM/SIGINT drains (running jobs finish, nothing more is picked, exit 0);
 * the second cancels running jobs (they go to failed/ as `cancelled`; exit 143).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { advertisedSet, parseCapability, satisfies } from "@/lib/capability";
import { sha256Hex } from "@/lib/hash";
import { parseJobFile } from "@/lib/manifest";
import { parseProfile, resolveJob, type ResolvedJob } from "@/lib/profile";
import type { AgentEvent, ArtifactReport, ClaimResponse, CompleteRequest, Station } from "@/lib/protocol";
import { redact } from "@/lib/secrets";
import { stageAfterEngineExit, stageAfterVerify } from "@/lib/stages";
import type { FieldProblem, Priority } from "@/lib/types";
import type { AgentOptions } from "../cli/args";
import { UsageError } from "../cli/usage-error";
import type { Detection } from "../detect/detect";
import type { EngineAdapter } from "../engines/adapters";
import { detectAndAnnounce } from "../loop/start-up";
import { freeStations } from "../loop/stations";
import { WakeSignal } from "../loop/wake-signal";
import type { Isolation } from "../run/sandbox/isolation";
import { JobRun, type JobResult } from "../run/job-runner";
import { FolderQueue, type StageDir } from "./folder";
import { LocalLease } from "./local-lease";

export interface OfflineDeps {
  dir: string;
  options: AgentOptions;
  adapters: Record<string, EngineAdapter>;
  env: NodeJS.ProcessEnv;
  log: (msg: string) => void;
  /** how jobs are confined (set up once at start: ./isolation-setup.ts) */
  isolation: Isolation;
  /**
   * As the online agent's fallback (--fallback): the jobs it still runs by engine, counted against
   * this machine's stations and --max like the folder's own.
   */
  alsoRunning?: () => Map<string, number>;
  /** the detection the online agent already made (no second announcement) */
  detection?: Detection;
}

/** Local leases never expire; the runner renews at a third of this (a no-op). */
const LOCAL_TTL_MS = 3_600_000;
const PRIORITY_RANK: Record<Priority, number> = { critical: 0, high: 1, medium: 2, low: 3 };

type Loaded = { ok: true; job: ResolvedJob; hash: string } | { ok: false; errors: FieldProblem[] };

interface Running {
  run: JobRun;
  engine: string;
  lock?: string;
}

export interface OfflineResult {
  file: string;
  title: string;
  agent: string;
  engine: string;
  /** sha256 of the job file's text: what a later reconcile would key on */
  contentHash: string;
  profile?: { name: string; version: string };
  outcome: JobResult["outcome"];
  exitCode: number | null;
  /** the folder the job was moved to, and the stages it went through after building */
  stage: StageDir;
  stages: StageDir[];
  verify?: unknown;
  scope?: unknown;
  cost?: unknown;
  commits?: string[];
  /** `file`: its name in `<stem>.artifacts/` beside the job */
  artifacts?: { name: string; kind: string; size: number; file?: string; path?: string }[];
  timings: { claimedAt: string; finishedAt: string; durationMs: number };
  /** the folder lease and what the run reported, for the import on reconnect (--fallback: ../outbox/reconcile.ts) */
  leaseId?: string;
  attempt?: { events: AgentEvent[]; complete: Omit<CompleteRequest, "epoch"> };
}

export class OfflineAgent {
  private state: "running" | "draining" | "stopping" = "running";
  private readonly queue: FolderQueue;
  private detection!: Detection;
  private advertised = new Set<string>();
  private readonly jobs = new Map<string, Running>();
  /** parse results by `stage/stem`, valid while the file's mtime and size are unchanged */
  private readonly cache = new Map<string, { key: string; loaded: Loaded }>();
  /** "cannot run here" reasons already logged, by stem */
  private readonly said = new Map<string, string>();
  private readonly wakeSignal = new WakeSignal();
  private processed = 0;

  constructor(private readonly d: OfflineDeps) {
    this.queue = new FolderQueue(d.dir);
  }

  /** First call drains, second cancels running jobs. */
  requestStop(): void {
    if (this.state === "running") {
      this.state = "draining";
      this.d.log(`draining: finishing ${this.jobs.size} running job(s), picking nothing more (signal again to stop now)`);
    } else if (this.state === "draining") {
      this.state = "stopping";
      this.d.log(`stopping now: cancelling ${this.jobs.size} running job(s)`);
      for (const j of this.jobs.values()) j.run.stop("cancelled", "agent stopped");
    }
    this.wakeSignal.wake();
  }

  async run(): Promise<number> {
    const o = this.d.options;
    this.detection = this.d.detection ?? (await detectAndAnnounce(this.d, `offline queue ${this.d.dir}`));
    this.advertised = advertisedSet(this.detection.capabilities);
    try {
      this.queue.ensure();
    } catch (e) {
      throw new UsageError(`--offline: cannot create the queue folders in ${this.d.dir}: ${(e as Error).message}`);
    }

    const pollMs = Number(this.d.env.FLEET_AGENT_OFFLINE_POLL_MS) || 1_000;
    while (this.state === "running") {
      if (o.once && this.processed >= 1) break;
      const acted = this.fill();
      if (o.once && !acted && this.jobs.size === 0) break; // nothing to do now: a cron run ends
      if (!acted) await this.wakeSignal.wait(pollMs * (0.5 + Math.random())); // jitter: agents on one folder drift apart
    }
    await Promise.all([...this.jobs.values()].map((j) => j.run.done.catch(() => undefined)));
    return this.state === "stopping" ? 143 : 0;
  }


  // ---- reading job files -----------------------------------------------------------------------

  private load(stage: StageDir, stem: string): Loaded | undefined {
    const file = this.queue.path(stage, stem);
    let text: string;
    let key: string;
    try {
      const st = statSync(file);
      key = `${st.mtimeMs}:${st.size}`;
      const hit = this.cache.get(`${stage}/${stem}`);
      if (hit && hit.key === key) return hit.loaded;
      text = readFileSync(file, "utf8");
    } catch {
      return undefined; // gone: another agent moved it
    }
    const loaded = this.parse(text, `${stem}.md`);
    this.cache.set(`${stage}/${stem}`, { key, loaded });
    return loaded;
  }

  private parse(text: string, fileName: string): Loaded {
    const r = parseJobFile(text, { fileName });
    if (!r.ok) return { ok: false, errors: r.errors };
    const hash = sha256Hex(text);
    const name = r.spec.manifest.profile;
    if (!name) return { ok: true, job: resolveJob(r.spec, r.setFields), hash };
    const file = path.join(this.d.dir, "profiles", `${name}.md`);
    let profileText: string;
    try {
      profileText = readFileSync(file, "utf8");
    } catch {
      return { ok: false, errors: [{ path: "profile", message: `profile "${name}" not found: offline, profiles are read from ${file}` }] };
    }
    const p = parseProfile(profileText, `${name}.md`);
    if (!p.ok) return { ok: false, errors: p.errors.map((e) => ({ path: `profile (${file}): ${e.path}`, message: e.message })) };
    return { ok: true, job: resolveJob(r.spec, r.setFields, p.profile), hash };
  }

  // ---- picking ---------------------------------------------------------------------------------

  /** Starts what fits now. True when it claimed a file (started a job or failed an invalid one). */
  private fill(): boolean {
    let acted = false;
    const inbox = this.queue.list("inbox").map((stem) => ({ stem, loaded: this.load("inbox", stem) }));
    const rank = (l: Loaded | undefined) => (l?.ok ? PRIORITY_RANK[l.job.manifest.priority] : -1); // invalid first: fail them fast
    inbox.sort((a, b) => rank(a.loaded) - rank(b.loaded) || (a.stem < b.stem ? -1 : a.stem > b.stem ? 1 : 0));
    let done: Set<string> | undefined;
    let locks: Set<string> | undefined;
    for (const { stem, loaded } of inbox) {
      if (this.state !== "running" || (this.d.options.once && this.processed >= 1)) break;
      if (!loaded) continue;
      if (!loaded.ok) {
        if (this.queue.claim(stem)) {
          this.processed++;
          acted = true;
          this.reject(stem, loaded.errors);
        }
        continue;
      }
      const m = loaded.job.manifest;
      done ??= this.finishedKeys();
      const missing = m.deps.filter((d) => !done!.has(d));
      if (missing.length) {
        this.cannot(stem, `waiting for ${missing.join(", ")} to reach testing/ or shipped/`);
        continue;
      }
      const unmet = m.capabilities.filter((c) => {
        const p = parseCapability(c);
        return !p.ok || !satisfies(p.cap, this.advertised);
      });
      if (unmet.length) {
        this.cannot(stem, `this machine lacks ${unmet.join(", ")}`);
        continue;
      }
      if (m.engine && !this.detection.stations.some((s) => s.engine === m.engine)) {
        this.cannot(stem, `engine ${m.engine} is not offered here (--engines)`);
        continue;
      }
      locks ??= this.heldLocks();
      if (m.lock && locks.has(m.lock)) continue;
      const engine = this.chooseEngine(loaded.job, this.free());
      if (!engine) continue; // no free slot for it now
      if (!this.queue.claim(stem)) continue;
      this.processed++;
      this.said.delete(stem);
      // The renamed file is the job: read it again (it may have changed since the scan).
      const now = this.load("building", stem);
      if (!now || !now.ok) {
        acted = true;
        if (now) this.reject(stem, now.errors, "building");
        continue;
      }
      const lock = now.job.manifest.lock;
      if (lock) {
        // Another agent may have claimed a job with the same lock at the same moment: whoever sees
        // the other after its own claim backs off (both, in a tie; they retry on their next poll).
        if (this.lockTakenBesides(stem, lock)) {
          this.queue.move(stem, "building", "inbox");
          this.processed--;
          continue; // not `acted`: wait (jittered) before trying again
        }
        locks.add(lock);
      }
      acted = true;
      const engineNow = this.chooseEngine(now.job, this.free()) ?? engine;
      this.start(stem, now.job, now.hash, engineNow);
    }
    return acted;
  }

  private cannot(stem: string, why: string): void {
    if (this.said.get(stem) === why) return;
    this.said.set(stem, why);
    this.d.log(`inbox/${stem}.md: not now: ${why}`);
  }

  /** The folder jobs running now, by engine (the online agent counts them against its stations too). */
  runningByEngine(): Map<string, number> {
    const running = new Map<string, number>();
    for (const j of this.jobs.values()) running.set(j.engine, (running.get(j.engine) ?? 0) + 1);
    return running;
  }

  private free(): Station[] {
    if (this.state !== "running") return [];
    const running = this.runningByEngine();
    for (const [engine, n] of this.d.alsoRunning?.() ?? []) running.set(engine, (running.get(engine) ?? 0) + n);
    return freeStations(this.detection.stations, running, this.d.options.max);
  }

  /** The manifest's engine; else a preferred one (`prefers: engine:x`, from a profile too); else the first free station. */
  private chooseEngine(job: ResolvedJob, free: Station[]): string | undefined {
    const m = job.manifest;
    if (m.engine) return free.some((s) => s.engine === m.engine) ? m.engine : undefined;
    for (const p of m.prefers) {
      if (p.startsWith("engine:") && free.some((s) => s.engine === p.slice(7))) return p.slice(7);
    }
    return free[0]?.engine;
  }

  /** Stems and idempotency keys of the files in testing/ and shipped/: what satisfies a dep. */
  private finishedKeys(): Set<string> {
    const out = new Set<string>();
    for (const stage of ["testing", "shipped"] as const) {
      for (const stem of this.queue.list(stage)) {
        out.add(stem);
        const l = this.load(stage, stem);
        const key = l?.ok ? l.job.manifest["idempotency-key"] : undefined;
        if (key) out.add(key);
      }
    }
    return out;
  }

  private lockTakenBesides(stem: string, lock: string): boolean {
    for (const [other, j] of this.jobs) if (other !== stem && j.lock === lock) return true;
    return this.queue.list("building").some((other) => {
      if (other === stem) return false;
      const l = this.load("building", other);
      return l?.ok === true && l.job.manifest.lock === lock;
    });
  }

  /** Locks of every file in building/ (this agent's and any other agent's on the same folder). */
  private heldLocks(): Set<string> {
    const out = new Set<string>();
    for (const j of this.jobs.values()) if (j.lock) out.add(j.lock);
    for (const stem of this.queue.list("building")) {
      const l = this.load("building", stem);
      if (l?.ok && l.job.manifest.lock) out.add(l.job.manifest.lock);
    }
    return out;
  }

  // ---- running ---------------------------------------------------------------------------------

  private reject(stem: string, errors: FieldProblem[], from: StageDir = "building"): void {
    const text = redact(errors.map((e) => `${e.path}: ${e.message}`).join("\n") + "\n");
    try {
      writeFileSync(this.queue.path(from, stem, ".errors.txt"), text);
      const to = this.queue.move(stem, from, "failed");
      this.d.log(`${stem}.md is not a valid job: failed/${to}.md (${errors.length} problem(s), see failed/${to}.errors.txt)`);
    } catch (e) {
      this.d.log(`${stem}.md: could not move to failed/: ${(e as Error).message}`);
    }
  }

  private start(stem: string, job: ResolvedJob, hash: string, engine: string): void {
    const claimedAt = Date.now();
    const leaseId = `off-${claimedAt.toString(36)}-${randomBytes(4).toString("hex")}`;
    const jobId = `offline-${stem.replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 60)}`;
    const claim: ClaimResponse = {
      lease: { id: leaseId, jobId, epoch: 1, expiresAt: new Date(claimedAt + LOCAL_TTL_MS).toISOString(), ttlMs: LOCAL_TTL_MS },
      job: { id: jobId, title: job.title, manifest: job.manifest, ...(job.profile ? { profile: job.profile } : {}) },
      prompt: job.prompt,
      engine,
    };
    const logFile = this.queue.path("building", stem, ".log");
    writeFileSync(logFile, "");
    const lease = new LocalLease(logFile, LOCAL_TTL_MS);
    const found = this.detection.engines.find((e) => e.engine === engine);
    this.d.log(`building ${stem}.md "${job.title}" on ${engine}`);
    const run = new JobRun({
      claim,
      engine,
      adapter: this.d.adapters[engine]!,
      ...(found ? { command: found.path } : {}),
      client: lease,
      workdir: this.d.options.workdir,
      graceMs: Number(this.d.env.FLEET_AGENT_KILL_GRACE_MS) || 10_000,
      verifyTimeoutMs: Number(this.d.env.FLEET_AGENT_VERIFY_TIMEOUT_MS) || 30 * 60_000,
      env: this.d.env,
      isolation: this.d.isolation,
      log: this.d.log,
    });
    this.jobs.set(stem, { run, engine, ...(job.manifest.lock ? { lock: job.manifest.lock } : {}) });
    void run.done
      .then((r) => this.settle(stem, job, hash, engine, lease, r, claimedAt, leaseId))
      .catch((e: Error) => this.d.log(`${stem}.md: ${e.stack ?? e.message}`))
      .finally(() => {
        this.jobs.delete(stem);
        this.wakeSignal.wake();
      });
  }

  /** Writes the result beside the job and moves it where the Phase-0 rules say. */
  private settle(stem: string, job: ResolvedJob, hash: string, engine: string, lease: LocalLease, r: JobResult, claimedAt: number, leaseId: string): void {
    const c = lease.completion;
    const stages: StageDir[] = [];
    let stage: StageDir;
    if (r.outcome !== "succeeded" || r.exitCode === null) {
      stage = "failed";
    } else {
      stage = stageAfterEngineExit(r.exitCode) as StageDir; // review
      stages.push(stage);
      if (c?.verify) {
        stage = stageAfterVerify(c.verify.passed) as StageDir; // testing | failed
        stages.push(stage);
      }
      const clean = (c?.scope?.outOfScope.length ?? 0) === 0;
      if (stage === "testing" && job.manifest["review-policy"] === "auto" && clean) {
        stage = "shipped";
        stages.push(stage);
      }
    }
    if (stage === "failed" && stages.at(-1) !== "failed") stages.push("failed");

    const finishedAt = Date.now();
    const result: OfflineResult = {
      file: `${stem}.md`,
      title: job.title,
      agent: this.d.options.name,
      engine,
      contentHash: hash,
      ...(job.profile ? { profile: job.profile } : {}),
      outcome: r.outcome,
      exitCode: r.exitCode,
      stage,
      stages,
      ...(c?.verify ? { verify: c.verify } : {}),
      ...(c?.scope ? { scope: c.scope } : {}),
      ...(c?.cost ? { cost: c.cost } : {}),
      ...(c?.commits ? { commits: c.commits } : {}),
      ...(c?.artifacts?.length ? { artifacts: this.writeArtifacts(stem, c.artifacts) } : {}),
      timings: {
        claimedAt: new Date(claimedAt).toISOString(),
        finishedAt: new Date(finishedAt).toISOString(),
        durationMs: finishedAt - claimedAt,
      },
      leaseId,
      ...(c ? { attempt: { events: lease.kept, complete: importable(c) } } : {}),
    };
    writeFileSync(this.queue.path("building", stem, ".result.json"), JSON.stringify(result, null, 2) + "\n");
    const to = this.queue.move(stem, "building", stage);
    this.d.log(`${stem}.md: ${r.outcome}${r.exitCode !== null ? ` (exit ${r.exitCode})` : ""}${c?.verify ? `, verify ${c.verify.passed ? "passed" : "failed"}` : ""} → ${stage}/${to}.md`);
  }

  /** Inline artifacts (diff, build log…) become files in `<stem>.artifacts/`; large ones keep their path. */
  private writeArtifacts(stem: string, artifacts: ArtifactReport[]): NonNullable<OfflineResult["artifacts"]> {
    const dir = this.queue.path("building", stem, ".artifacts");
    return artifacts.map((a, i) => {
      const entry: NonNullable<OfflineResult["artifacts"]>[number] = { name: a.name, kind: a.kind, size: a.size };
      if (a.path) entry.path = a.path;
      if (a.content !== undefined) {
        const file = `${i + 1}-${a.name.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 100)}`;
        mkdirSync(dir, { recursive: true });
        writeFileSync(path.join(dir, file), a.content);
        entry.file = file;
      }
      return entry;
    });
  }
}

/** The completion as the import carries it: no epoch (the coordinator grants one), no delivery, artifacts by name only. */
function importable(c: CompleteRequest): Omit<CompleteRequest, "epoch"> {
  const { epoch: _epoch, delivery: _delivery, artifacts, ...rest } = c;
  void _epoch;
  void _delivery;
  return { ...rest, ...(artifacts?.length ? { artifacts: artifacts.map((a) => ({ name: a.name, kind: a.kind, size: a.size })) } : {}) };
}
