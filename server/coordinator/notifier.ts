import "server-only";

/**
 * In-process wake-ups: a claim long poll waits for `queued`, a job stream for its job id, the fleet
 * stream for anything. This is only an optimisation: every waiter also polls the store on a short
 * period, so a second app instance's writes are seen too (DESIGN: nothing depends on in-process state
 * for correctness).
 */
type Listener = () => void;

export class Notifier {
  private readonly queued = new Set<Listener>();
  private readonly perJob = new Map<string, Set<Listener>>();
  private readonly fleet = new Set<(msg: FleetMessage) => void>();

  /** Bumped at every jobQueued(): the scheduler's snapshot cache re-reads the queue when it moves. */
  queuedGeneration = 0;

  /** A job became claimable (submitted, requeued, resumed, promoted, reaped). */
  jobQueued(): void {
    this.queuedGeneration++;
    for (const l of [...this.queued]) l();
  }

  onQueued(l: Listener): () => void {
    this.queued.add(l);
    return () => this.queued.delete(l);
  }

  /** Something was appended to a job's events or log. */
  jobChanged(jobId: string): void {
    const set = this.perJob.get(jobId);
    if (set) for (const l of [...set]) l();
    for (const l of [...this.fleet]) l({ kind: "job", jobId });
  }

  onJob(jobId: string, l: Listener): () => void {
    let set = this.perJob.get(jobId);
    if (!set) this.perJob.set(jobId, (set = new Set()));
    set.add(l);
    return () => {
      set.delete(l);
      if (set.size === 0) this.perJob.delete(jobId);
    };
  }

  /** Fleet-level news that is not kept as a job event (heartbeats). */
  fleetMessage(msg: FleetMessage): void {
    for (const l of [...this.fleet]) l(msg);
  }

  onFleet(l: (msg: FleetMessage) => void): () => void {
    this.fleet.add(l);
    return () => this.fleet.delete(l);
  }

  get waitingClaims(): number {
    return this.queued.size;
  }
}

export type FleetMessage =
  | { kind: "job"; jobId: string }
  | { kind: "factory"; factoryId: string; status: string; load: number; running: number; at: number };

/**
 * A one-shot-per-round wake-up: `fire()` from a listener, `wait()` until fired, a timeout or an
 * abort. `fired` stays true until `reset()`, so a fire that lands while the waiter is busy (reading
 * the store) is not lost.
 */
export class WakeLatch {
  fired = false;
  private release?: () => void;

  fire(): void {
    this.fired = true;
    this.release?.();
  }

  reset(): void {
    this.fired = false;
  }

  wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.fired || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        this.release = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
      this.release = done;
    });
  }
}
