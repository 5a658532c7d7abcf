/**
 * A sleep that something else can cut short: the agent's loop waits for "something changed" (a job
 * ended, a heartbeat answered, a signal) or a timeout, whichever comes first.
 */
export class WakeSignal {
  private wakeNow: (() => void) | undefined;

  /** Resolves on the next `wake()` or after `ms`. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        if (this.wakeNow === done) this.wakeNow = undefined;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wakeNow = done;
    });
  }

  /** Ends the current wait, if any. */
  wake(): void {
    this.wakeNow?.();
  }
}
