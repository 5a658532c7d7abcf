import "server-only";
import { FleetError } from "@/server/errors";

/**
 * A cap on how many of one kind of long-lived request a key (a principal, a factory) holds at once:
 * open SSE streams, waiting long polls. `acquire` takes a slot or refuses with 429; the caller gives
 * the slot back exactly once when the request ends (the returned release is idempotent, so a stream
 * whose producer and cancel both end it counts once). In process memory: each app instance caps its
 * own connections, which is what the cap protects (sockets, timers and store polling of this process).
 */
export class SlotLimiter {
  private readonly held = new Map<string, number>();

  constructor(
    private readonly max: number,
    /** what the refusal names, e.g. "open event streams" */
    private readonly what: string,
    /** the Retry-After a refused caller is given */
    private readonly retryAfterMs: number,
  ) {}

  /** Takes a slot for `key`, or throws FleetError `rate_limited` (429 with Retry-After). */
  acquire(key: string): () => void {
    const n = this.held.get(key) ?? 0;
    if (n >= this.max) {
      throw new FleetError("rate_limited", `too many ${this.what}: at most ${this.max} at once; close one or retry later`, {
        retryAfterMs: this.retryAfterMs,
        extra: { limit: this.max },
      });
    }
    this.held.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(key) ?? 1) - 1;
      if (left <= 0) this.held.delete(key);
      else this.held.set(key, left);
    };
  }

  /** Slots `key` holds now (tests, metrics). */
  inUse(key: string): number {
    return this.held.get(key) ?? 0;
  }
}
