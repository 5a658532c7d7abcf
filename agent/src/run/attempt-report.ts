/**
 * The report part of a job run, after the engine exited: delivery (collect the job's commits,
 * commit its leftovers, push the job branch), verify, the scope report with commits and artifacts,
 * a second push when verify moved HEAD; and delivery tasks (push again, merge for Ship), which run
 * no engine. Each builds the body of the attempt's complete; job-runner.ts sends it.
 */
import type { ArtifactReport, ClaimResponse, CompleteRequest, CostReport, DeliveryReport, Outcome, ScopeReport, VerifyReport } from "@/lib/protocol";
import type { EventStream } from "../net/event-stream";
import { collectArtifacts } from "./artifacts";
import { DeliveryError, mergeBranch, pushBranch, type GitTokens } from "./delivery";
import type { Wrap } from "./engine-process";
import { git } from "./git";
import type { LogChunker } from "./log-chunker";
import { commitLeftovers, commitsSince, listChanges, scopeReport } from "./scope";
import { runVerify } from "./verify";
import { repoCache, type Workspace } from "./workspace";

export interface ReportSetup {
  claim: ClaimResponse;
  workdir: string;
  graceMs: number;
  verifyTimeoutMs: number;
  gitTokens?: GitTokens;
}

/** What the engine left: how it ended and what it cost, and the environment and sandbox verify runs in. */
export interface EngineResult {
  outcome: Outcome;
  exitCode: number | null;
  cost: CostReport;
  env: NodeJS.ProcessEnv;
  wrap: Wrap;
}

export class AttemptReport {
  constructor(
    private readonly o: ReportSetup,
    private readonly epoch: number,
    private readonly logs: LogChunker,
    private readonly events: EventStream,
    /** files leave the factory before the worktree is deleted (job-runner: uploadArtifacts) */
    private readonly storeArtifacts: (found: ArtifactReport[]) => Promise<ArtifactReport[]> = async (found) => found,
  ) {}

  /**
   * The complete of an attempt whose engine ran; undefined when the lease was lost meanwhile
   * (nothing more may be sent). `keep`: artifact paths the run reported (the workspace keeps them).
   */
  async afterEngine(r: EngineResult, workspace: Workspace, keep: string[], run: { lost: () => boolean; signal: AbortSignal }): Promise<CompleteRequest | undefined> {
    const { claim } = this.o;
    const manifest = claim.job.manifest;
    const { outcome, exitCode, cost } = r;
    // Delivery: the engine's commits leave the factory before verify judges them.
    let delivery: DeliveryReport | undefined;
    if (outcome === "succeeded" && claim.delivery && workspace.cache && workspace.root && workspace.baseCommit) {
      await this.collectCommits(workspace);
      delivery = await this.push(workspace, claim.delivery.branch, claim.delivery.expectedHead);
      if (delivery && !delivery.pushed) {
        const complete: CompleteRequest = { epoch: this.epoch, outcome, exitCode, delivery };
        if (Object.keys(cost).length) complete.cost = cost;
        await this.reportScope(complete, workspace, keep, { collect: false });
        return complete;
      }
    }

    let verify: VerifyReport | undefined;
    if (outcome === "succeeded" && manifest.verify) {
      verify = await runVerify({
        command: manifest.verify,
        cwd: workspace.cwd,
        env: r.env,
        timeoutMs: this.o.verifyTimeoutMs,
        graceMs: this.o.graceMs,
        signal: run.signal,
        wrap: r.wrap,
      });
      if (run.lost()) return undefined;
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
    return complete;
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
      }).then(this.storeArtifacts);
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
  async deliveryTask(d: NonNullable<ClaimResponse["delivery"]>): Promise<CompleteRequest> {
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
      return { epoch: this.epoch, outcome: "succeeded", exitCode: 0, delivery: report };
    } catch (e) {
      const err = e instanceof DeliveryError ? e : new DeliveryError("git", (e as Error).message);
      this.logs.note(`${d.task} of ${d.branch} failed (${err.reason}): ${err.message}`);
      report.error = { reason: err.reason, message: err.message.slice(0, 4_000) };
      return { epoch: this.epoch, outcome: "failed", exitCode: null, delivery: report };
    }
  }
}
