/**
 * The folder queue as a transport (../loop/transport.ts): the same claim loop and runner as the
 * coordinator's, with the claim, the lease writes and the stage rules answered from DIR.
 *
 *   claim: scan inbox/*.md → pick (invalid first, then priority, then name) → rename into building/
 *          (the claim) → a ClaimResponse with a local lease (off-…) and the engine chosen here
 *   lease: ./local-lease.ts (events → <stem>.log and kept for the import; renewals always succeed)
 *   ended: the coordinator's rules (./folder-rules.ts): a retry goes back to inbox/ for after its
 *          backoff; anything else gets <stem>.result.json and moves to its stage's folder
 *
 * A file that does not validate (lib/manifest, or a profile it names that is missing or invalid)
 * is claimed the same way and moved to failed/ with `<stem>.errors.txt` (`path: message` lines).
 * A valid file this agent cannot run now stays in inbox/ (another agent on the same folder may
 * take it): its engine is not offered here, a required capability is missing, a `deps` entry has
 * no file in testing/ or shipped/ (by file stem or idempotency-key), or its `lock` is held by a
 * file in building/ (checked again after the claim: of two agents claiming same-lock jobs at once,
 * each one that sees the other puts its file back in inbox/).
 */
import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { advertisedSet, parseCapability, satisfies } from "@/lib/capability";
import type { ResolvedJob } from "@/lib/profile";
import type { AgentEvent, ClaimResponse, CompleteRequest, RenewResponse, Station } from "@/lib/protocol";
import { redact } from "@/lib/secrets";
import type { FieldProblem, Priority } from "@/lib/types";
import type { Detection } from "../detect/detect";
import type { Claimed, Transport } from "../loop/transport";
import type { JobResult, LeaseClient } from "../run/job-runner";
import type { FolderQueue, StageDir } from "./folder";
import { readRetryState, settleFolderRun, wallLeft, type FolderRun } from "./folder-result";
import { JobFiles, type Loaded } from "./job-files";
import { LocalLease } from "./local-lease";

/** Local leases never expire; the runner renews at a third of this (a no-op). */
const LOCAL_TTL_MS = 3_600_000;
const PRIORITY_RANK: Record<Priority, number> = { critical: 0, high: 1, medium: 2, low: 3 };

export interface FolderTransportDeps {
  queue: FolderQueue;
  dir: string;
  /** this agent's name, written into each result */
  agent: string;
  detection: () => Detection;
  log: (msg: string) => void;
  pollMs: number;
}

interface Held {
  run: FolderRun;
  lease: LocalLease;
  lock?: string;
}

export class FolderTransport implements Transport {
  readonly label: string;
  readonly lease: LeaseClient;
  private readonly files: JobFiles;
  /** the runs this transport started, by their folder lease */
  private readonly held = new Map<string, Held>();
  /** "cannot run here" reasons already logged, by stem */
  private readonly said = new Map<string, string>();

  constructor(private readonly d: FolderTransportDeps) {
    this.label = `folder ${d.dir}`;
    this.files = new JobFiles(d.queue, d.dir);
    this.lease = this.leaseWrites();
  }

  /** Routes each lease write to that run's local lease: the runner sees one client, as online. */
  private leaseWrites(): LeaseClient {
    const of = (leaseId: string) => {
      const h = this.held.get(leaseId);
      if (!h) throw new Error(`folder lease ${leaseId} is not held here`);
      return h.lease;
    };
    return {
      renew: (leaseId: string): Promise<RenewResponse> => of(leaseId).renew(),
      events: (leaseId: string, epoch: number, events: AgentEvent[]) => of(leaseId).events(leaseId, epoch, events),
      complete: (leaseId: string, body: CompleteRequest) => of(leaseId).complete(leaseId, body),
    };
  }

  idleMs(): number {
    return this.d.pollMs * (0.5 + Math.random()); // jitter: agents on one folder drift apart
  }

  /** A file-system error (a folder not writable): said, then retried after a poll. */
  claimFailed(e: Error, failures: number): number {
    if (failures === 0 || (failures + 1) % 10 === 0) this.d.log(`cannot take work from ${this.d.dir}/inbox: ${e.message}`);
    return this.d.pollMs * 5;
  }

  async claim(free: Station[]): Promise<Claimed> {
    const inbox = this.d.queue.list("inbox").map((stem) => ({ stem, loaded: this.files.load("inbox", stem) }));
    const rank = (l: Loaded | undefined) => (l?.ok ? PRIORITY_RANK[l.job.manifest.priority] : -1); // invalid first: fail them fast
    inbox.sort((a, b) => rank(a.loaded) - rank(b.loaded) || (a.stem < b.stem ? -1 : a.stem > b.stem ? 1 : 0));
    const detection = this.d.detection();
    const advertised = advertisedSet(detection.capabilities);
    let done: Set<string> | undefined;
    let locks: Set<string> | undefined;
    for (const { stem, loaded } of inbox) {
      if (!loaded) continue;
      if (!loaded.ok) {
        if (!this.d.queue.claim(stem)) continue;
        this.reject(stem, loaded.errors);
        return "handled";
      }
      const m = loaded.job.manifest;
      const retry = readRetryState(this.d.queue.path("inbox", stem, ".retry.json"));
      if (retry.notBefore !== undefined && retry.notBefore > Date.now()) {
        this.cannot(stem, `retry ${retry.attempts} of ${m.retry.max} waits until ${new Date(retry.notBefore).toISOString()}`);
        continue;
      }
      done ??= this.finishedKeys();
      const missing = m.deps.filter((dep) => !done!.has(dep));
      if (missing.length) {
        this.cannot(stem, `waiting for ${missing.join(", ")} to reach testing/ or shipped/`);
        continue;
      }
      const unmet = m.capabilities.filter((c) => {
        const p = parseCapability(c);
        return !p.ok || !satisfies(p.cap, advertised);
      });
      if (unmet.length) {
        this.cannot(stem, `this machine lacks ${unmet.join(", ")}`);
        continue;
      }
      if (m.engine && !detection.stations.some((s) => s.engine === m.engine)) {
        this.cannot(stem, `engine ${m.engine} is not offered here (--engines)`);
        continue;
      }
      locks ??= this.heldLocks();
      if (m.lock && locks.has(m.lock)) continue;
      if (!chooseEngine(loaded.job, free)) continue; // no free slot for it now
      if (!this.d.queue.claim(stem)) continue;
      this.said.delete(stem);
      // The renamed file is the job: read it again (it may have changed since the scan).
      const now = this.files.load("building", stem);
      if (!now || !now.ok) {
        if (!now) continue;
        this.reject(stem, now.errors);
        return "handled";
      }
      const lock = now.job.manifest.lock;
      // Another agent may have claimed a job with the same lock at the same moment: whoever sees
      // the other after its own claim backs off (both, in a tie; they retry on their next poll).
      if (lock && this.lockTakenBesides(stem, lock)) {
        this.d.queue.move(stem, "building", "inbox");
        continue;
      }
      const engine = chooseEngine(now.job, free);
      if (!engine) {
        this.d.queue.move(stem, "building", "inbox");
        continue;
      }
      return this.grant(stem, now.job, now.hash, engine);
    }
    return null;
  }

  private grant(stem: string, job: ResolvedJob, hash: string, engine: string): ClaimResponse {
    const claimedAt = Date.now();
    const leaseId = `off-${claimedAt.toString(36)}-${randomBytes(4).toString("hex")}`;
    const jobId = `offline-${stem.replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 60)}`;
    const retryFile = this.d.queue.path("building", stem, ".retry.json");
    const retry = readRetryState(retryFile);
    const logFile = this.d.queue.path("building", stem, ".log");
    // A retry's log follows the earlier attempts' (as online: one log per job).
    if (!existsSync(retryFile) || !existsSync(logFile)) writeFileSync(logFile, "");
    const lease = new LocalLease(logFile, LOCAL_TTL_MS);
    const run: FolderRun = { stem, job, hash, engine, leaseId, claimedAt, agent: this.d.agent, completion: undefined, events: lease.kept, retry };
    this.held.set(leaseId, { run, lease, ...(job.manifest.lock ? { lock: job.manifest.lock } : {}) });
    this.d.log(`building ${stem}.md "${job.title}" on ${engine}${retry.attempts ? ` (attempt ${retry.attempts + 1})` : ""}`);
    // The wall budget covers every attempt, as online (the runner stops the engine when it ends).
    const left = wallLeft(job, retry.wallSpentMs);
    return {
      lease: { id: leaseId, jobId, epoch: 1, expiresAt: new Date(claimedAt + LOCAL_TTL_MS).toISOString(), ttlMs: LOCAL_TTL_MS },
      job: { id: jobId, title: job.title, manifest: job.manifest, ...(job.profile ? { profile: job.profile } : {}) },
      prompt: job.prompt,
      engine,
      ...(retry.attempts > 0 && left !== undefined ? { remaining: { wallMs: Math.max(0, left) } } : {}),
    };
  }

  ended(claim: ClaimResponse, result: JobResult | undefined): void {
    const h = this.held.get(claim.lease.id);
    this.held.delete(claim.lease.id);
    if (!h) return;
    h.run.completion = h.lease.completion;
    try {
      settleFolderRun(this.d.queue, h.run, result ?? { outcome: "failed", exitCode: null }, this.d.log);
    } catch (e) {
      this.d.log(`${h.run.stem}.md: could not record the result: ${(e as Error).message}`);
    }
  }

  private cannot(stem: string, why: string): void {
    if (this.said.get(stem) === why) return;
    this.said.set(stem, why);
    this.d.log(`inbox/${stem}.md: not now: ${why}`);
  }

  /** Stems and idempotency keys of the files in testing/ and shipped/: what satisfies a dep. */
  private finishedKeys(): Set<string> {
    const out = new Set<string>();
    for (const stage of ["testing", "shipped"] as const) {
      for (const stem of this.d.queue.list(stage)) {
        out.add(stem);
        const l = this.files.load(stage, stem);
        const key = l?.ok ? l.job.manifest["idempotency-key"] : undefined;
        if (key) out.add(key);
      }
    }
    return out;
  }

  private lockTakenBesides(stem: string, lock: string): boolean {
    for (const h of this.held.values()) if (h.run.stem !== stem && h.lock === lock) return true;
    return this.d.queue.list("building").some((other) => {
      if (other === stem) return false;
      const l = this.files.load("building", other);
      return l?.ok === true && l.job.manifest.lock === lock;
    });
  }

  /** Locks of every file in building/ (this agent's and any other agent's on the same folder). */
  private heldLocks(): Set<string> {
    const out = new Set<string>();
    for (const h of this.held.values()) if (h.lock) out.add(h.lock);
    for (const stem of this.d.queue.list("building")) {
      const l = this.files.load("building", stem);
      if (l?.ok && l.job.manifest.lock) out.add(l.job.manifest.lock);
    }
    return out;
  }

  private reject(stem: string, errors: FieldProblem[], from: StageDir = "building"): void {
    const text = redact(errors.map((e) => `${e.path}: ${e.message}`).join("\n") + "\n");
    try {
      writeFileSync(this.d.queue.path(from, stem, ".errors.txt"), text);
      const to = this.d.queue.move(stem, from, "failed");
      this.d.log(`${stem}.md is not a valid job: failed/${to}.md (${errors.length} problem(s), see failed/${to}.errors.txt)`);
    } catch (e) {
      this.d.log(`${stem}.md: could not move to failed/: ${(e as Error).message}`);
    }
  }
}

/** The manifest's engine; else a preferred one (`prefers: engine:x`, from a profile too); else the first free station. */
function chooseEngine(job: ResolvedJob, free: Station[]): string | undefined {
  const m = job.manifest;
  if (m.engine) return free.some((s) => s.engine === m.engine) ? m.engine : undefined;
  for (const p of m.prefers) {
    if (p.startsWith("engine:") && free.some((s) => s.engine === p.slice(7))) return p.slice(7);
  }
  return free[0]?.engine;
}
