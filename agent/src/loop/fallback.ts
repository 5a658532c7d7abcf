/**
 * `--fallback DIR` (issue 17 §2): while the coordinator has been unreachable for `--fallback-after`,
 * this factory takes work from DIR/inbox: the same claim loop (./claim-loop.ts) over the folder
 * transport (../offline/folder-transport.ts), on the online agent's own pool (./job-pool.ts), so
 * the runner, profiles, Phase-0 stage rules, stations and --max are the same ones. The moment the
 * coordinator answers again, the folder loop ends (its running jobs finish locally, nothing more
 * is picked) and claiming resumes.
 *
 *   online ──(unreachable ≥ after)──► folder ──(coordinator answers)──► draining folder ──► online
 *
 * Leases held when the link went down are not the folder's: they keep running and their reports
 * wait in the outbox (../outbox). A folder job is never claimed from the coordinator, and a
 * coordinator lease is never run by the folder, so nothing is claimed twice.
 */
import type { AgentOptions } from "../cli/args";
import type { Detection } from "../detect/detect";
import type { FolderTransport } from "../offline/folder-transport";
import { ClaimLoop } from "./claim-loop";
import type { JobPool } from "./job-pool";

export interface FallbackDeps {
  dir: string;
  afterMs: number;
  /** the online agent's pool: folder runs share its stations and --max */
  pool: JobPool;
  deps: () => { options: AgentOptions; log: (msg: string) => void; detection: Detection };
  env?: NodeJS.ProcessEnv;
  log: (msg: string) => void;
  now?: () => number;
}

export class FolderFallback {
  private since: number | undefined;
  private loop: ClaimLoop | undefined;
  /** one per outage: their runs may outlive the loop that claimed them */
  private readonly transports: FolderTransport[] = [];
  private starting: Promise<void> | undefined;
  private runs: Promise<void>[] = [];
  private stopped = false;

  constructor(private readonly d: FallbackDeps) {}

  get active(): boolean {
    return this.loop !== undefined;
  }

  /** A call to the coordinator failed for want of a coordinator (network, 5xx). */
  unreachable(): void {
    const now = (this.d.now ?? Date.now)();
    this.since ??= now;
    if (this.stopped || this.loop || this.starting || now - this.since < this.d.afterMs) return;
    this.starting = this.start(now - this.since).finally(() => (this.starting = undefined));
  }

  /** The coordinator answered: back to claiming; the folder finishes what it runs and picks nothing more. */
  reachable(): void {
    this.since = undefined;
    const loop = this.loop;
    if (!loop) return;
    this.loop = undefined;
    this.d.log(`the coordinator answers again: claiming from it; the folder queue finishes what it runs`);
    loop.interrupt();
  }

  /** A station may be free again. */
  wake(): void {
    this.loop?.wake();
  }

  /** The agent is stopping: end the folder loop (`now`: cancel its runs too) and wait for them. */
  async stop(now = false): Promise<void> {
    this.stopped = true;
    await this.starting;
    const loop = this.loop;
    this.loop = undefined;
    loop?.interrupt();
    if (now) for (const t of this.transports) this.d.pool.stopAll("cancelled", "agent stopped", t);
    await Promise.all(this.runs);
    await Promise.all(this.transports.map((t) => this.d.pool.drained(t)));
  }

  private async start(outageMs: number): Promise<void> {
    // Loaded only when needed: an online agent that never falls back does not carry the job-file parser.
    const { openFolder } = await import("../offline/offline-agent");
    if (this.stopped || this.since === undefined) return;
    const deps = this.d.deps();
    const transport = openFolder(this.d.dir, deps.options.name, () => this.d.deps().detection, this.d.env ?? process.env, deps.log, "--fallback");
    this.transports.push(transport);
    // The folder runs as long as the outage: never one-shot, whatever --once says of the online side.
    const loop: ClaimLoop = new ClaimLoop(transport, this.d.pool, { active: (): boolean => this.loop === loop && !this.stopped, once: false });
    this.loop = loop;
    this.d.log(`the coordinator has been unreachable for ${Math.round(outageMs / 1000)} s: taking work from ${this.d.dir}/inbox until it answers`);
    this.runs.push(
      loop.run().catch((e: Error) => {
        this.d.log(`the folder queue stopped: ${e.message}`);
      }),
    );
  }
}
