import "server-only";
import { FleetError } from "@/server/errors";

/**
 * At most `max` events per key in any `windowMs` (a sliding log of the times, so a burst straddling
 * a window edge cannot get 2 × max through). Used for registrations per enrollment token. In process
 * memory, like the sign-in throttle: with several app instances each applies it on its own. Keys idle
 * for a whole window are dropped when the map grows, so a spray of keys cannot grow it for long.
 */
export class RateWindow {
  private readonly times = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly what: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one event for `key`, or throws FleetError `rate_limited` (429, Retry-After until a slot frees). */
  hit(key: string): void {
    const now = this.now();
    this.prune(now);
    const from = now - this.windowMs;
    const kept = (this.times.get(key) ?? []).filter((t) => t > from);
    if (kept.length >= this.max) {
      this.times.set(key, kept);
      throw new FleetError("rate_limited", `too many ${this.what}: at most ${this.max} per ${Math.round(this.windowMs / 1000)} s; retry later`, {
        retryAfterMs: Math.max(1, kept[0]! + this.windowMs - now),
        extra: { limit: this.max, windowMs: this.windowMs },
      });
    }
    kept.push(now);
    this.times.set(key, kept);
  }

  private prune(now: number): void {
    if (this.times.size < 10_000) return;
    for (const [k, ts] of this.times) if (ts.length === 0 || ts[ts.length - 1]! <= now - this.windowMs) this.times.delete(k);
  }
}
