import "server-only";
import { createStreamRedactor, redact } from "@/lib/secrets";

/**
 * Log redaction with memory: one stream redactor per (lease, stream) keeps the tail of the last chunk,
 * so a secret split across two chunks is still caught (the tail is held back until the next chunk or
 * the end of the attempt). The state is per process: an agent talks to one instance at a time in
 * practice; if its requests land on two instances, a split secret at the seam is the residual risk.
 */
type StreamRedactor = ReturnType<typeof createStreamRedactor>;

interface Entry {
  redactor: StreamRedactor;
  lastSeq: number;
  touchedAt: number;
}

export class LogRedactors {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number) {}

  /** Redacts one chunk; a repeated (or older) seq returns undefined (the store ignores it anyway). */
  push(leaseId: string, stream: "stdout" | "stderr", seq: number, text: string): string | undefined {
    const key = `${leaseId}\u0000${stream}`;
    let e = this.entries.get(key);
    if (!e) this.entries.set(key, (e = { redactor: createStreamRedactor(), lastSeq: 0, touchedAt: 0 }));
    if (seq <= e.lastSeq) return undefined;
    e.lastSeq = seq;
    e.touchedAt = this.now();
    return e.redactor.push(text);
  }

  /**
   * The held-back tails of a lease's streams (redacted), numbered after the last seq the agent used
   * (the attempt is ending, so no agent seq can follow), and forgets the lease.
   */
  flush(leaseId: string): { seq: number; stream: "stdout" | "stderr"; text: string }[] {
    const out: { seq: number; stream: "stdout" | "stderr"; text: string }[] = [];
    let seq = 0;
    for (const stream of ["stdout", "stderr"] as const) seq = Math.max(seq, this.entries.get(`${leaseId}\u0000${stream}`)?.lastSeq ?? 0);
    for (const stream of ["stdout", "stderr"] as const) {
      const key = `${leaseId}\u0000${stream}`;
      const e = this.entries.get(key);
      if (!e) continue;
      const text = e.redactor.flush();
      if (text) out.push({ seq: ++seq, stream, text });
      this.entries.delete(key);
    }
    return out;
  }

  /** Forgets streams idle longer than `idleMs` (leases that expired without completing). */
  prune(idleMs: number): void {
    const limit = this.now() - idleMs;
    for (const [k, e] of this.entries) if (e.touchedAt < limit) this.entries.delete(k);
  }
}

/** Redacts every string inside an event's data (verify output, artifact content, paths…). */
export function redactDeep<T>(value: T): T {
  if (typeof value === "string") return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v);
    return out as T;
  }
  return value;
}
