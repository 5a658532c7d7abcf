import "server-only";

/**
 * Backoff for failed password sign-ins, per user name: the first `free` failures cost nothing,
 * each one after that locks the name for `baseMs × 2^(n − free)` (capped at `maxMs`); a success
 * clears it. Held in process memory: with several app instances each keeps its own count, which
 * still bounds guessing to (instances × the same rate). Entries idle past the longest lock are
 * dropped, so a spray of names cannot grow the map without bound for long.
 */
export interface ThrottleSettings {
  free: number;
  baseMs: number;
  maxMs: number;
}

interface Entry {
  failures: number;
  lockedUntil: number;
  lastAt: number;
}

export class SignInThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly settings: ThrottleSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds the name must still wait, or 0 when it may try. */
  retryAfterMs(name: string): number {
    const e = this.entries.get(name);
    return e ? Math.max(0, e.lockedUntil - this.now()) : 0;
  }

  failed(name: string): void {
    const now = this.now();
    this.prune(now);
    const e = this.entries.get(name) ?? { failures: 0, lockedUntil: 0, lastAt: now };
    e.failures++;
    e.lastAt = now;
    const over = e.failures - this.settings.free;
    if (over > 0) e.lockedUntil = now + Math.min(this.settings.maxMs, this.settings.baseMs * 2 ** Math.min(over - 1, 30));
    this.entries.set(name, e);
  }

  succeeded(name: string): void {
    this.entries.delete(name);
  }

  private prune(now: number): void {
    if (this.entries.size < 10_000) return;
    for (const [k, e] of this.entries) if (now - e.lastAt > this.settings.maxMs) this.entries.delete(k);
  }
}
