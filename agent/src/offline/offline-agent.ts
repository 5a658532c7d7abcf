/**
 * `fleet-agent --offline DIR`: the folder queue, with no coordinator (CONTRACT §3).
 *
 * The same claim loop and runner as the online agent (../loop/claim-loop.ts, ../loop/job-pool.ts)
 * over the folder transport (./folder-transport.ts: picking, local leases, the Phase-0 stage
 * rules), so a job behaves the same whichever way it came. The online agent's --fallback runs this
 * same loop on its own pool (../loop/fallback.ts).
 *
 * Stopping: the first SIGTERM/SIGINT drains (running jobs finish, nothing more is picked, exit 0);
 * the second cancels running jobs (they go to failed/ as `cancelled`; exit 143).
 */
import type { AgentOptions } from "../cli/args";
import { UsageError } from "../cli/usage-error";
import type { Detection } from "../detect/detect";
import type { EngineAdapter } from "../engines/adapters";
import { ClaimLoop } from "../loop/claim-loop";
import { JobPool } from "../loop/job-pool";
import { detectAndAnnounce } from "../loop/start-up";
import type { Isolation } from "../run/sandbox/isolation";
import { FolderQueue } from "./folder";
import { FolderTransport } from "./folder-transport";

export type { OfflineResult } from "./folder-result";

export interface OfflineDeps {
  dir: string;
  options: AgentOptions;
  adapters: Record<string, EngineAdapter>;
  env: NodeJS.ProcessEnv;
  log: (msg: string) => void;
  /** how jobs are confined (set up once at start: ./isolation-setup.ts) */
  isolation: Isolation;
}

/** How often an idle folder agent looks at the inbox again. */
export function folderPollMs(env: NodeJS.ProcessEnv): number {
  return Number(env.FLEET_AGENT_OFFLINE_POLL_MS) || 1_000;
}

/** Opens DIR as a folder queue (creating its stage folders) and its transport. */
export function openFolder(dir: string, agent: string, detection: () => Detection, env: NodeJS.ProcessEnv, log: (msg: string) => void, flag = "--offline"): FolderTransport {
  const queue = new FolderQueue(dir);
  try {
    queue.ensure();
  } catch (e) {
    throw new UsageError(`${flag}: cannot create the queue folders in ${dir}: ${(e as Error).message}`);
  }
  return new FolderTransport({ queue, dir, agent, detection, log, pollMs: folderPollMs(env) });
}

export class OfflineAgent {
  private state: "running" | "draining" | "stopping" = "running";
  private pool: JobPool | undefined;
  private loop: ClaimLoop | undefined;

  constructor(private readonly d: OfflineDeps) {}

  /** First call drains, second cancels running jobs. */
  requestStop(): void {
    const running = this.pool?.size ?? 0;
    if (this.state === "running") {
      this.state = "draining";
      this.d.log(`draining: finishing ${running} running job(s), picking nothing more (signal again to stop now)`);
    } else if (this.state === "draining") {
      this.state = "stopping";
      this.d.log(`stopping now: cancelling ${running} running job(s)`);
      this.pool?.stopAll("cancelled", "agent stopped");
    }
    this.loop?.interrupt();
  }

  async run(): Promise<number> {
    const o = this.d.options;
    const detection = await detectAndAnnounce(this.d, `offline queue ${this.d.dir}`);
    const transport = openFolder(this.d.dir, o.name, () => detection, this.d.env, this.d.log);
    const pool = new JobPool({
      adapters: this.d.adapters,
      env: this.d.env,
      isolation: this.d.isolation,
      workdir: o.workdir,
      max: o.max,
      ...(o.gitTokens ? { gitTokens: o.gitTokens } : {}),
      detection: () => detection,
      log: this.d.log,
      onFree: () => this.loop?.wake(),
    });
    this.pool = pool;
    this.loop = new ClaimLoop(transport, pool, { active: () => this.state === "running", once: o.once });
    // A stop requested while detecting still holds.
    if (this.state !== "running") this.loop.interrupt();
    await this.loop.run();
    await pool.drained();
    return this.state === "stopping" ? 143 : 0;
  }
}
