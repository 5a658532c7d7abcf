/**
 * `--fallback DIR` (issue 17 §2): while the coordinator has been unreachable for `--fallback-after`,
 * this factory takes work from DIR/inbox with the same runner, profiles and Phase-0 stage rules as
 * `--offline DIR` (../offline/offline-agent.ts); the moment the coordinator answers again, the
 * folder drains (its running jobs finish locally, nothing more is picked) and claiming resumes.
 *
 *   online ──(unreachable ≥ after)──► folder ──(coordinator answers)──► draining folder ──► online
 *
 * Leases held when the link went down are not the folder's: they keep running in the online agent
 * and their reports wait in the outbox (../outbox). A folder job is never claimed from the
 * coordinator, and a coordinator lease is never run by the folder, so nothing is claimed twice.
 */
import type { OfflineAgent, OfflineDeps } from "../offline/offline-agent";

export interface FallbackDeps {
  dir: string;
  afterMs: number;
  /** the folder agent's dependencies (the online agent's options, adapters, isolation, detection) */
  deps: () => Omit<OfflineDeps, "dir">;
  log: (msg: string) => void;
  now?: () => number;
}

export class FolderFallback {
  private since: number | undefined;
  private folder: OfflineAgent | undefined;
  private starting: Promise<void> | undefined;
  private runs: Promise<number>[] = [];
  private stopped = false;

  constructor(private readonly d: FallbackDeps) {}

  get active(): boolean {
    return this.folder !== undefined;
  }

  /** A call to the coordinator failed for want of a coordinator (network, 5xx). */
  unreachable(): void {
    const now = (this.d.now ?? Date.now)();
    this.since ??= now;
    if (this.stopped || this.folder || this.starting || now - this.since < this.d.afterMs) return;
    this.starting = this.start(now - this.since).finally(() => (this.starting = undefined));
  }

  /** The coordinator answered: back to claiming; the folder finishes what it runs and picks nothing more. */
  reachable(): void {
    this.since = undefined;
    const f = this.folder;
    if (!f) return;
    this.folder = undefined;
    this.d.log(`the coordinator answers again: claiming from it; the folder queue finishes what it runs`);
    f.requestStop();
  }

  /** Folder jobs running now, by engine (they use this machine's stations too). */
  runningByEngine(): Map<string, number> {
    return this.folder?.runningByEngine() ?? new Map();
  }

  /** The agent is stopping: drain the folder (`now`: cancel its jobs too) and wait for it. */
  async stop(now = false): Promise<void> {
    this.stopped = true;
    await this.starting;
    const f = this.folder;
    this.folder = undefined;
    if (f) {
      f.requestStop();
      if (now) f.requestStop();
    }
    await Promise.all(this.runs);
  }

  private async start(outageMs: number): Promise<void> {
    // Loaded only when needed: an online agent that never falls back does not carry the job-file parser.
    const { OfflineAgent } = await import("../offline/offline-agent");
    if (this.stopped || this.since === undefined) return;
    const folder = new OfflineAgent({ ...this.d.deps(), dir: this.d.dir });
    this.folder = folder;
    this.d.log(`the coordinator has been unreachable for ${Math.round(outageMs / 1000)} s: taking work from ${this.d.dir}/inbox until it answers`);
    this.runs.push(
      folder.run().catch((e: Error) => {
        this.d.log(`the folder queue stopped: ${e.message}`);
        return 1;
      }),
    );
  }
}
