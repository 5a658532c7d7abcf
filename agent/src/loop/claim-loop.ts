/**
 * The one claim loop (issue 17 §4), over any transport (./transport.ts):
 *
 *   while active: paused? wait · no free station? wait for one · claim(free)
 *     → a job: start it in the pool, ask again at once (another station may be free)
 *     → nothing: wait idleMs (a long poll already waited) · an error: the transport says how long
 *
 * `once`: ends after the first job (or settled item), or as soon as there is nothing to claim.
 */
import type { JobPool } from "./job-pool";
import type { Transport } from "./transport";
import { WakeSignal } from "./wake-signal";

export interface ClaimLoopHooks {
  /** false: the loop ends (draining, stopping, a fatal error) */
  active(): boolean;
  /** ms to wait without claiming (kill switch, the coordinator's drain), or 0 */
  pausedMs?(): number;
  once: boolean;
}

export class ClaimLoop {
  private readonly wakeSignal = new WakeSignal();
  private abort = new AbortController();

  constructor(
    private readonly t: Transport,
    private readonly pool: JobPool,
    private readonly h: ClaimLoopHooks,
  ) {}

  /** Something changed (a run ended, a signal, a heartbeat): stop waiting. */
  wake(): void {
    this.wakeSignal.wake();
  }

  /** Cuts a claim in flight short (a long poll) and any wait. */
  interrupt(): void {
    this.abort.abort();
    this.wake();
  }

  async run(): Promise<void> {
    let failures = 0;
    let claimed = 0;
    while (this.h.active()) {
      if (this.h.once && claimed > 0) return;
      const paused = this.h.pausedMs?.() ?? 0;
      if (paused > 0) {
        await this.wakeSignal.wait(paused);
        continue;
      }
      const free = this.pool.free();
      if (free.length === 0) {
        await this.wakeSignal.wait(60_000);
        continue;
      }
      this.abort = new AbortController();
      let res;
      try {
        res = await this.t.claim(free, this.abort.signal);
        failures = 0;
      } catch (e) {
        if (!this.h.active()) return;
        const wait = this.t.claimFailed(e as Error, failures++);
        if (wait === "stop") return;
        await this.wakeSignal.wait(wait);
        continue;
      }
      if (res === null) {
        if (this.h.once) return;
        await this.wakeSignal.wait(this.t.idleMs());
        continue;
      }
      claimed++;
      if (res !== "handled") this.pool.start(res, this.t);
      // No wait after a claim: another station may be free right now.
    }
  }
}
