/**
 * One claimed job, from workspace to completion:
 *
 *   prepare workspace → stage:building → engine (own process group, logs streamed, cost parsed)
 *   → [exit 0, repo, delivery] collect the job's commits, commit its leftovers, push the job
 *     branch (a failed push ends the attempt: the local branch is kept and the reason reported)
 *   → [exit 0 and verify set] verify → scope report, commits, artifacts → [HEAD moved] push again
 *   → complete → cleanup
 *
 * A delivery task (claim.delivery.task: push or merge) runs no engine: the agent's own git does it
 * in the repository cache (delivery.ts) and completes with the result.
 *
 * This file holds the run's lifecycle (lease renewal, stops, completion); the engine part is
 * engine-process.ts and the report part (delivery, verify, scope, artifacts) attempt-report.ts.
 *
 * The lease is renewed at a third of its TTL the whole time. Stops:
 *   - limit (attempt timeout / remaining budget.wall): group SIGTERM → grace → SIGKILL;
 *     outcome `timeout` or `budget_exceeded`.
 *   - cancel (heartbeat `cancel`, forced shutdown): same kill; outcome `cancelled`.
 *   - lease lost (409 on any write, or renewals failing past the TTL): same kill, and NOTHING
 *     more is sent — the lease belongs to someone else now.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AgentEvent, ArtifactReport, ClaimResponse, CompleteRequest, Outcome } from "@/lib/protocol";
import { engineRunRefusal, type EngineAdapter } from "../engines/adapters";
import { backoffDelay, sleep } from "../net/backoff";
import type { CoordinatorClient } from "../net/client";
import { LeaseLostError, TransientError, UnauthorizedError } from "../net/errors";
import { EventStream } from "../net/event-stream";
import { uploadArtifacts } from "./artifacts";
import { AttemptReport } from "./attempt-report";
import type { GitTokens } from "./delivery";
import { prepareEngine, runEngine } from "./engine-process";
import { LogChunker } from "./log-chunker";
import type { GroupProcess } from "./process-group";
import type { Isolation } from "./sandbox/isolation";
import { prepareWorkspace, type Workspace } from "./workspace";

/**
 * The one transport boundary of a run (issue 17 §4): the lease writes (renew, events, complete), and
 * artifact uploads where there is a coordinator to keep them. Two implementations, and the runner
 * cannot tell them apart: the coordinator over HTTP through the durable outbox
 * (../outbox/outbox-client.ts), and the folder queue (../offline/local-lease.ts: no uploads, its
 * files stay). The claim side is the transport's (../loop/transport.ts): the coordinator's long poll,
 * or a rename out of DIR/inbox; both hand the runner the same ClaimResponse.
 */
export type LeaseClient = Pick<CoordinatorClient, "renew" | "events" | "complete"> &
  Partial<Pick<CoordinatorClient, "uploadArtifactChunk">> & {
    /** keeps events that could not be sent before the run ended (the agent's outbox: ../outbox/outbox-client.ts) */
    stash?: (leaseId: string, epoch: number, events: AgentEvent[]) => void;
  };

export type StopReason = "cancelled" | "lease_lost";

export interface JobRunOptions {
  claim: ClaimResponse;
  engine: string;
  adapter: EngineAdapter;
  /** resolved binary (detection); falls back to the adapter's command */
  command?: string;
  client: LeaseClient;
  workdir: string;
  graceMs: number;
  verifyTimeoutMs: number;
  env: NodeJS.ProcessEnv;
  /** how the engine and verify are confined (./sandbox/isolation.ts) */
  isolation: Isolation;
  /** the engine's process group started/ended (persisted for crash recovery) */
  onProcessGroup?: (pgid: number | undefined) => void;
  log: (msg: string) => void;
  /** set when this factory cannot run the job at all (e.g. the engine asked for is missing) */
  refuse?: string;
  /** per-host git tokens from the agent's config file (`cred:git:<host>`) */
  gitTokens?: GitTokens;
  /**
   * Renewals failing only because the coordinator is unreachable do not stop the job: it finishes
   * and its reports wait in the outbox (issue 17: a lease held when the link went down is finished
   * and reported; the coordinator records it as a late result if it reaped the lease meanwhile).
   */
  finishWhenUnreachable?: boolean;
}

export interface JobResult {
  outcome: Outcome | "abandoned";
  exitCode: number | null;
}


export class JobRun {
  readonly leaseId: string;
  readonly epoch: number;
  readonly jobId: string;
  private stopReason: StopReason | undefined;
  private proc: GroupProcess | undefined;
  private readonly abort = new AbortController();
  private renewTimer: NodeJS.Timeout | undefined;
  private renewedAt = Date.now();
  private renewFailures = 0;
  /** set once the run is over: a renewal still in flight must not schedule another */
  private finished = false;
  private saidUnreachable = false;
  private readonly events: EventStream;
  private readonly logs: LogChunker;
  readonly done: Promise<JobResult>;

  constructor(private readonly o: JobRunOptions) {
    this.leaseId = o.claim.lease.id;
    this.epoch = o.claim.lease.epoch;
    this.jobId = o.claim.job.id;
    this.events = new EventStream({
      post: (events) => o.client.events(this.leaseId, this.epoch, events),
      onLeaseLost: (e) => this.stop("lease_lost", e.code),
      onDropped: (ev, e) => o.log(`job ${this.jobId}: the coordinator refused event ${ev.seq} (${ev.type}) on its own: dropped (${e.message})`),
    });
    this.logs = new LogChunker(this.events);
    this.done = this.run();
  }

  /** Kills the engine now. `lease_lost` also means nothing more is sent. */
  stop(reason: StopReason, why = ""): void {
    if (this.stopReason === "lease_lost") return;
    this.stopReason = reason;
    this.o.log(`job ${this.jobId} lease ${this.leaseId}: ${reason}${why ? ` (${why})` : ""}`);
    if (reason === "lease_lost") this.events.abandon();
    this.abort.abort();
    void this.proc?.terminate(this.o.graceMs);
  }

  private get lost(): boolean {
    return this.stopReason === "lease_lost";
  }

  private scheduleRenew(): void {
    if (this.finished) return;
    const ttl = this.o.claim.lease.ttlMs;
    const delay = this.renewFailures ? Math.min(backoffDelay(this.renewFailures - 1, 250, ttl / 6), ttl / 3) : ttl / 3;
    this.renewTimer = setTimeout(() => void this.renew(), delay);
  }

  private async renew(): Promise<void> {
    if (this.lost) return;
    try {
      await this.o.client.renew(this.leaseId, this.epoch);
      this.renewedAt = Date.now();
      this.renewFailures = 0;
    } catch (e) {
      if (e instanceof LeaseLostError) return this.stop("lease_lost", e.code);
      if (e instanceof UnauthorizedError) return this.stop("lease_lost", "factory token refused");
      this.renewFailures++;
      // Past the TTL without a successful renewal the coordinator has (or will) hand the job on.
      if (Date.now() - this.renewedAt > this.o.claim.lease.ttlMs) {
        if (!this.o.finishWhenUnreachable || !(e instanceof TransientError)) return this.stop("lease_lost", "could not renew within the TTL");
        if (!this.saidUnreachable) this.o.log(`job ${this.jobId}: the coordinator is unreachable past the lease's TTL; finishing the job, its report waits in the outbox`);
        this.saidUnreachable = true;
      }
    }
    if (!this.lost) this.scheduleRenew();
  }

  /** Files leave the factory before the worktree is deleted (artifacts.ts); a lost lease stops the job. */
  private async uploadArtifacts(found: ArtifactReport[]): Promise<ArtifactReport[]> {
    const client = this.o.client;
    if (!client.uploadArtifactChunk || this.lost) return found;
    return uploadArtifacts(found, {
      epoch: this.epoch,
      upload: (name, q, bytes) => client.uploadArtifactChunk!(this.leaseId, name, q, bytes),
      note: (msg) => {
        this.logs.note(msg);
        this.o.log(`job ${this.jobId}: ${msg}`);
      },
      signal: this.abort.signal,
      onLeaseLost: (code) => this.stop("lease_lost", code),
    });
  }

  private async run(): Promise<JobResult> {
    const { claim } = this.o;
    const manifest = claim.job.manifest;
    this.events.start();
    this.scheduleRenew();
    let workspace: Workspace | undefined;
    /** artifact paths the run reported: a scratch workspace holding one is kept */
    const keep: string[] = [];
    const tmp = mkdtempSync(path.join(os.tmpdir(), "fleet-job-"));
    const report = new AttemptReport(this.o, this.epoch, this.logs, this.events, (found) => this.uploadArtifacts(found));
    try {
      const iso = this.o.isolation;
      const jobUid = iso.level === "user" ? iso.jobUser?.uid : process.getuid?.();
      const refusal = this.o.refuse ?? engineRunRefusal(this.o.adapter, { yolo: manifest.yolo, uid: jobUid, env: this.o.env });
      if (claim.delivery?.task) return await this.finish(await report.deliveryTask(claim.delivery));
      if (refusal) {
        this.logs.note(refusal);
        return await this.finish({ epoch: this.epoch, outcome: "failed", exitCode: null });
      }
      try {
        const wsInput: Parameters<typeof prepareWorkspace>[0] = { workdir: this.o.workdir, jobId: this.jobId, leaseId: this.leaseId };
        if (manifest.repo) wsInput.repo = manifest.repo;
        if (manifest.cwd) wsInput.cwd = manifest.cwd;
        // Another user cannot reach the cache's objects through the agent's private directories.
        if (iso.level === "user") wsInput.shareObjects = false;
        if (this.o.gitTokens) wsInput.tokens = this.o.gitTokens;
        if (claim.delivery?.startAt) wsInput.startAt = claim.delivery.startAt;
        workspace = await prepareWorkspace(wsInput);
      } catch (e) {
        this.logs.note(`cannot prepare the workspace: ${(e as Error).message}`);
        return await this.finish({ epoch: this.epoch, outcome: "failed", exitCode: null });
      }
      if (this.lost) return { outcome: "abandoned", exitCode: null };

      // The engine part (engine-process.ts): command, environment, sandbox, then the engine to its exit.
      const launch = prepareEngine(this.o, { jobId: this.jobId, leaseId: this.leaseId }, workspace, tmp, this.logs);
      if (typeof launch === "string") {
        this.logs.note(launch);
        return await this.finish({ epoch: this.epoch, outcome: "failed", exitCode: null });
      }
      this.events.push({ type: "stage", stage: "building" });
      const { exitCode, cost, limitHit } = await runEngine(this.o, launch, {
        logs: this.logs,
        events: this.events,
        attach: (proc) => {
          this.proc = proc;
          if (this.stopReason) void proc.terminate(this.o.graceMs);
        },
      });
      if (this.lost) return { outcome: "abandoned", exitCode };

      const outcome: Outcome =
        this.stopReason === "cancelled" ? "cancelled" : limitHit ? launch.limitOutcome : exitCode === 0 ? "succeeded" : "failed";

      // The report part (attempt-report.ts): delivery, verify, scope, commits, artifacts.
      const complete = await report.afterEngine({ outcome, exitCode, cost, env: launch.env, wrap: launch.wrap }, workspace, keep, {
        lost: () => this.lost,
        signal: this.abort.signal,
      });
      if (!complete) return { outcome: "abandoned", exitCode };
      return await this.finish(complete);
    } finally {
      this.finished = true;
      clearTimeout(this.renewTimer);
      this.events.abandon();
      rmSync(tmp, { recursive: true, force: true });
      await workspace?.cleanup(keep).catch((e: Error) => this.o.log(`worktree cleanup failed: ${e.message}`));
    }
  }

  /** Flushes the remaining events, then completes (retrying while the coordinator is unreachable). */
  private async finish(body: CompleteRequest): Promise<JobResult> {
    this.logs.end();
    const sent = await this.events.close(Math.max(5_000, this.saidUnreachable ? 5_000 : this.o.claim.lease.ttlMs));
    if (this.lost || !sent) {
      if (this.lost) return { outcome: "abandoned", exitCode: body.exitCode ?? null };
      // Kept for the replay, ahead of the completion (the outbox is replayed in order).
      this.o.client.stash?.(this.leaseId, this.epoch, this.events.remaining());
      this.o.log(`job ${this.jobId}: events could not be delivered${this.o.client.stash ? " (kept in the outbox)" : ""}; completing anyway`);
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await this.o.client.complete(this.leaseId, body);
        this.o.log(`job ${this.jobId}: ${body.outcome}${body.exitCode !== undefined ? ` (exit ${body.exitCode})` : ""}`);
        return { outcome: body.outcome, exitCode: body.exitCode ?? null };
      } catch (e) {
        if (e instanceof LeaseLostError || e instanceof UnauthorizedError || this.lost) {
          this.o.log(`job ${this.jobId}: completion refused (${(e as Error).message}); the lease is gone`);
          return { outcome: "abandoned", exitCode: body.exitCode ?? null };
        }
        if (!(e instanceof TransientError) || Date.now() - this.renewedAt > this.o.claim.lease.ttlMs) {
          this.o.log(`job ${this.jobId}: completion failed: ${(e as Error).message}${this.o.client.stash && e instanceof TransientError ? "; it waits in the outbox" : ""}`);
          return { outcome: "abandoned", exitCode: body.exitCode ?? null };
        }
        await sleep(backoffDelay(attempt, 250, 5_000));
      }
    }
  }
}
