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
 * The lease is renewed at a third of its TTL the whole time. Stops:
 *   - limit (attempt timeout / remaining budget.wall): group SIGTERM → grace → SIGKILL;
 *     outcome `timeout` or `budget_exceeded`.
 *   - cancel (heartbeat `cancel`, forced shutdown): same kill; outcome `cancelled`.
 *   - lease lost (409 on any write, or renewals failing past the TTL): same kill, and NOTHING
 *     more is sent — the lease belongs to someone else now.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ClaimResponse, CompleteRequest, CostReport, DeliveryReport, Outcome, ScopeReport, VerifyReport } from "@/lib/protocol";
import { buildEngineCommand, engineRunRefusal, type EngineAdapter } from "../engines/adapters";
import { addCost, parseCostLine } from "../engines/cost-parsers";
import { backoffDelay, sleep } from "../net/backoff";
import type { CoordinatorClient } from "../net/client";
import { LeaseLostError, TransientError, UnauthorizedError } from "../net/errors";
import { EventStream } from "../net/event-stream";
import { collectArtifacts } from "./artifacts";
import { DeliveryError, mergeBranch, pushBranch, type GitTokens } from "./delivery";
import { git } from "./git";
import { LogChunker } from "./log-chunker";
import { spawnInGroup, type GroupProcess } from "./process-group";
import { commitLeftovers, commitsSince, listChanges, scopeReport } from "./scope";
import { runVerify } from "./verify";
import { buildJobEnv } from "./sandbox/job-env";
import { NONE_WARNING, prepareJobFiles, wrapCommand, type Isolation } from "./sandbox/isolation";
import { planSandbox, SandboxRefusal, type SandboxPlan } from "./sandbox/plan";
import { prepareWorkspace, repoCache, type Workspace } from "./workspace";

/** What a run needs from the coordinator: the lease writes. The offline queue supplies a local one. */
export type LeaseClient = Pick<CoordinatorClient, "renew" | "events" | "complete">;

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
      if (Date.now() - this.renewedAt > this.o.claim.lease.ttlMs) return this.stop("lease_lost", "could not renew within the TTL");
    }
    if (!this.lost) this.scheduleRenew();
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
    try {
      const iso = this.o.isolation;
      const jobUid = iso.level === "user" ? iso.jobUser?.uid : process.getuid?.();
      const refusal = this.o.refuse ?? engineRunRefusal(this.o.adapter, { yolo: manifest.yolo, uid: jobUid, env: this.o.env });
      if (claim.delivery?.task) return await this.deliveryTask(claim.delivery);
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

      // Limits: the attempt's timeout, and what is left of the job's wall budget over all attempts.
      const wallLeft = claim.remaining?.wallMs ?? manifest.budget.wall;
      const timeout = manifest.timeout;
      const limit = Math.min(timeout ?? Infinity, wallLeft ?? Infinity);
      const limitOutcome: Outcome = wallLeft !== undefined && wallLeft < (timeout ?? Infinity) ? "budget_exceeded" : "timeout";

      const promptFile = path.join(tmp, "prompt");
      writeFileSync(promptFile, claim.prompt, { mode: 0o600 });
      const cmd = buildEngineCommand(this.o.adapter, {
        prompt: claim.prompt,
        yolo: manifest.yolo,
        promptFile,
        ...(this.o.command ? { command: this.o.command } : {}),
      });
      // An allowlist of the agent's environment, HOME and TMPDIR in the job's own scratch (job-env.ts says why).
      const home = path.join(tmp, "home");
      const jobTmp = path.join(tmp, "tmp");
      mkdirSync(home, { mode: 0o700 });
      mkdirSync(jobTmp, { mode: 0o700 });
      const env: NodeJS.ProcessEnv = buildJobEnv({
        env: this.o.env,
        engine: this.o.engine,
        home,
        tmp: jobTmp,
        extra: cmd.env,
        job: { jobId: this.jobId, leaseId: this.leaseId },
      }) as NodeJS.ProcessEnv;

      // The sandbox: what the job sees, writes and cannot reach (./sandbox/plan.ts).
      let plan: SandboxPlan;
      try {
        plan = planSandbox(
          iso.agent,
          {
            cwd: workspace.cwd,
            writable: [workspace.root ?? workspace.cwd],
            // repo and scratch jobs get a checkout the agent made; a `cwd` job names the factory's own directory
            manifestCwd: !manifest.repo && !!manifest.cwd,
            scratch: tmp,
            home,
            readOnly: workspace.readOnly,
            credentialFiles: this.o.adapter.credentialFiles ?? [],
            ...(this.o.command ? { command: this.o.command } : {}),
            ...(env.PATH ? { pathEnv: env.PATH } : {}),
          },
          iso.network,
        );
        prepareJobFiles(iso, plan);
      } catch (e) {
        this.logs.note(e instanceof SandboxRefusal ? e.message : `cannot prepare the sandbox: ${(e as Error).message}`);
        return await this.finish({ epoch: this.epoch, outcome: "failed", exitCode: null });
      }
      if (iso.level === "none") this.logs.note(NONE_WARNING);
      const wrap = (command: string, args: string[]) => wrapCommand(iso, plan, command, args);

      this.events.push({ type: "stage", stage: "building" });
      let cost: CostReport = {};
      let exitCode: number | null = null;
      let limitHit = false;
      try {
        const w = wrap(cmd.command, cmd.args);
        const spawnOpts: Parameters<typeof spawnInGroup>[2] = { cwd: workspace.cwd, env };
        if (cmd.stdin !== undefined) spawnOpts.stdin = cmd.stdin;
        if (w.infoFd) spawnOpts.infoFd = true;
        if (w.uid !== undefined) spawnOpts.uid = w.uid;
        if (w.gid !== undefined) spawnOpts.gid = w.gid;
        this.proc = spawnInGroup(w.command, w.args, spawnOpts);
        this.o.onProcessGroup?.(this.proc.pid > 0 ? this.proc.pid : undefined);
        if (this.stopReason) void this.proc.terminate(this.o.graceMs);
        let lineBuf = "";
        this.proc.child.stdout?.setEncoding("utf8").on("data", (d: string) => {
          this.logs.write("stdout", d);
          if (this.o.adapter.output === "text") return;
          lineBuf += d;
          const lines = lineBuf.split("\n");
          lineBuf = lines.pop() ?? "";
          if (lineBuf.length > 4 * 1024 * 1024) lineBuf = "";
          for (const line of lines) {
            const inc = parseCostLine(this.o.adapter.output, line);
            if (inc) {
              cost = addCost(cost, inc);
              this.events.push({ type: "cost", ...inc });
            }
          }
        });
        this.proc.child.stderr?.setEncoding("utf8").on("data", (d: string) => this.logs.write("stderr", d));
        const limitTimer =
          limit === Infinity
            ? undefined
            : setTimeout(() => {
                limitHit = true;
                this.logs.note(`${limitOutcome === "timeout" ? "timeout" : "wall budget"} reached after ${Math.round(limit / 1000)} s: stopping the engine`);
                void this.proc?.terminate(this.o.graceMs);
              }, limit);
        const r = await this.proc.done;
        clearTimeout(limitTimer);
        exitCode = r.code;
      } catch (e) {
        this.logs.note(`engine ${this.o.engine} could not start: ${(e as Error).message}`);
      } finally {
        this.o.onProcessGroup?.(undefined);
      }
      this.logs.end();
      if (this.lost) return { outcome: "abandoned", exitCode };

      const outcome: Outcome =
        this.stopReason === "cancelled" ? "cancelled" : limitHit ? limitOutcome : exitCode === 0 ? "succeeded" : "failed";

      // Delivery: the engine's commits leave the factory before verify judges them.
      let delivery: DeliveryReport | undefined;
      if (outcome === "succeeded" && claim.delivery && workspace.cache && workspace.root && workspace.baseCommit) {
        await this.collectCommits(workspace);
        delivery = await this.push(workspace, claim.delivery.branch, claim.delivery.expectedHead);
        if (delivery && !delivery.pushed) {
          const complete: CompleteRequest = { epoch: this.epoch, outcome, exitCode, delivery };
          if (Object.keys(cost).length) complete.cost = cost;
          await this.reportScope(complete, workspace, keep, { collect: false });
          return await this.finish(complete);
        }
      }

      let verify: VerifyReport | undefined;
      if (outcome === "succeeded" && manifest.verify) {
        verify = await runVerify({
          command: manifest.verify,
          cwd: workspace.cwd,
          env,
          timeoutMs: this.o.verifyTimeoutMs,
          graceMs: this.o.graceMs,
          signal: this.abort.signal,
          wrap,
        });
        if (this.lost) return { outcome: "abandoned", exitCode };
        this.events.push({ type: "verify", ...verify });
      }

      const complete: CompleteRequest = { epoch: this.epoch, outcome, exitCode };
      if (verify) complete.verify = verify;
      if (Object.keys(cost).length) complete.cost = cost;
      // Collected already for the push, the job's HEAD moves again only when verify ran.
      await this.reportScope(complete, workspace, keep, { collect: !delivery || verify !== undefined, ...(delivery?.pushed ? { pushed: delivery.headSha } : {}) });
      // Verify may have committed (or left changes, now committed): push the branch again.
      if (delivery?.pushed && workspace.root && claim.delivery) {
        const head = (await git(["rev-parse", "HEAD"], workspace.root, 60_000, undefined, workspace.gitEnv)).trim();
        if (head !== delivery.headSha) delivery = await this.push(workspace, claim.delivery.branch, delivery.headSha);
      }
      if (delivery) complete.delivery = delivery;
      return await this.finish(complete);
    } finally {
      this.finished = true;
      clearTimeout(this.renewTimer);
      this.events.abandon();
      rmSync(tmp, { recursive: true, force: true });
      await workspace?.cleanup(keep).catch((e: Error) => this.o.log(`worktree cleanup failed: ${e.message}`));
    }
  }

  /** The job's commits into the agent's own git directory (workspace.ts says why), then its leftovers as a commit. */
  private async collectCommits(workspace: Workspace): Promise<void> {
    const unreadable = await workspace.collect();
    if (unreadable) this.logs.note(unreadable);
    // In its own checkout (repo mode) the job's leftovers become a commit first, so scope, the
    // diff and the commits delivered all judge the same thing: base..HEAD.
    if (this.o.claim.job.manifest.repo && workspace.baseCommit && (await commitLeftovers(workspace.root!, workspace.gitEnv ?? {}))) {
      this.logs.note("committed the changes the job left uncommitted");
    }
  }

  /**
   * Scope report, commits and artifacts of base..HEAD. `collect`: bring the job's HEAD in first.
   * `pushed`: the head already pushed; a HEAD with the same tree goes back to it (re-committing
   * the same leftovers after verify is no reason to push again).
   */
  private async reportScope(complete: CompleteRequest, workspace: Workspace, keep: string[], opts: { collect: boolean; pushed?: string }): Promise<void> {
    const manifest = this.o.claim.job.manifest;
    if (!workspace.root) return;
    try {
      const gitEnv = workspace.gitEnv ?? {};
      if (opts.collect) await this.collectCommits(workspace);
      if (opts.pushed) {
        const tree = (await git(["rev-parse", "HEAD^{tree}"], workspace.root, 60_000, undefined, gitEnv)).trim();
        if (tree === (await git(["rev-parse", `${opts.pushed}^{tree}`], workspace.root, 60_000, undefined, gitEnv)).trim()) {
          await git(["update-ref", "HEAD", opts.pushed], workspace.root, 60_000, undefined, gitEnv);
          await git(["read-tree", "HEAD"], workspace.root, 60_000, undefined, gitEnv);
        }
      }
      const changes = await listChanges(workspace.root, workspace.baseCommit, gitEnv);
      const scope: ScopeReport = scopeReport(workspace.root, changes, manifest["allowed-scope"]);
      this.events.push({ type: "scope", ...scope });
      complete.scope = scope;
      const commits = await commitsSince(workspace.root, workspace.baseCommit, gitEnv);
      if (commits.length) complete.commits = commits;
      const artifacts = await collectArtifacts({
        requested: manifest.artifacts,
        root: workspace.root,
        ...(workspace.baseCommit ? { base: workspace.baseCommit } : {}),
        changes,
        buildLog: this.logs.tail.text(),
        gitEnv,
      });
      if (artifacts.length) complete.artifacts = artifacts;
      for (const a of artifacts) if (a.path) keep.push(a.path);
    } catch (e) {
      this.logs.note(`scope report failed: ${(e as Error).message}`);
      this.logs.end();
    }
  }

  /**
   * Pushes the agent's HEAD of the checkout to `branch`, leased on `expectedHead`. No commits since
   * the base: nothing to deliver (undefined). A failure is reported, never thrown: the local branch stays.
   */
  private async push(workspace: Workspace, branch: string, expectedHead: string | undefined): Promise<DeliveryReport | undefined> {
    let head: string;
    try {
      head = (await git(["rev-parse", "HEAD"], workspace.root!, 60_000, undefined, workspace.gitEnv)).trim();
    } catch (e) {
      this.logs.note(`cannot read the job's head: ${(e as Error).message}`);
      return undefined;
    }
    if (head === workspace.baseCommit) {
      this.logs.note("no commits to deliver: nothing pushed");
      return undefined;
    }
    try {
      await pushBranch({ cache: workspace.cache!, head, branch, ...(expectedHead ? { expectedHead } : {}), ...(this.o.gitTokens ? { tokens: this.o.gitTokens } : {}) });
      this.logs.note(`pushed ${branch} at ${head.slice(0, 12)}`);
      return { branch, headSha: head, pushed: true };
    } catch (e) {
      const err = e instanceof DeliveryError ? e : new DeliveryError("git", (e as Error).message);
      this.logs.note(`push of ${branch} failed (${err.reason}): ${err.message}; the commits stay on this factory in ${workspace.localBranch}`);
      return { branch, headSha: head, pushed: false, error: { reason: err.reason, message: err.message.slice(0, 4_000) } };
    }
  }

  /** A push or merge task: the agent's own git in the repository cache, no engine, no checkout. */
  private async deliveryTask(d: NonNullable<ClaimResponse["delivery"]>): Promise<JobResult> {
    const repo = this.o.claim.job.manifest.repo;
    const tokens = this.o.gitTokens ? { tokens: this.o.gitTokens } : {};
    const report: DeliveryReport = { branch: d.branch, headSha: d.headSha ?? "0000000", pushed: false };
    try {
      if (!repo || !d.headSha) throw new DeliveryError("git", "a delivery task needs the job's repo and head");
      const cache = await repoCache(this.o.workdir, repo, this.o.gitTokens);
      if (d.task === "push") {
        await git(["cat-file", "-e", `${d.headSha}^{commit}`], cache).catch(() => {
          throw new DeliveryError("git", `commit ${d.headSha!.slice(0, 12)} is not on this factory any more`);
        });
        await pushBranch({ cache, head: d.headSha, branch: d.branch, ...(d.expectedHead ? { expectedHead: d.expectedHead } : {}), ...tokens });
        this.logs.note(`pushed ${d.branch} at ${d.headSha.slice(0, 12)}`);
        report.pushed = true;
      } else {
        const r = await mergeBranch({ cache, branch: d.branch, headSha: d.headSha, ...(d.baseBranch ? { baseBranch: d.baseBranch } : {}), title: this.o.claim.job.title, ...tokens });
        this.logs.note(`${r.fastForward ? "fast-forwarded" : "merged"} ${d.branch} into ${r.baseBranch}: ${r.mergeSha.slice(0, 12)}`);
        Object.assign(report, { pushed: true, baseBranch: r.baseBranch, mergeSha: r.mergeSha });
      }
      return await this.finish({ epoch: this.epoch, outcome: "succeeded", exitCode: 0, delivery: report });
    } catch (e) {
      const err = e instanceof DeliveryError ? e : new DeliveryError("git", (e as Error).message);
      this.logs.note(`${d.task} of ${d.branch} failed (${err.reason}): ${err.message}`);
      report.error = { reason: err.reason, message: err.message.slice(0, 4_000) };
      return await this.finish({ epoch: this.epoch, outcome: "failed", exitCode: null, delivery: report });
    }
  }

  /** Flushes the remaining events, then completes (retrying while the coordinator is unreachable). */
  private async finish(body: CompleteRequest): Promise<JobResult> {
    this.logs.end();
    const sent = await this.events.close(Math.max(5_000, this.o.claim.lease.ttlMs));
    if (this.lost || !sent) {
      if (!this.lost) this.o.log(`job ${this.jobId}: events could not be delivered; completing anyway`);
      if (this.lost) return { outcome: "abandoned", exitCode: body.exitCode ?? null };
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
          this.o.log(`job ${this.jobId}: completion failed: ${(e as Error).message}`);
          return { outcome: "abandoned", exitCode: body.exitCode ?? null };
        }
        await sleep(backoffDelay(attempt, 250, 5_000));
      }
    }
  }
}
