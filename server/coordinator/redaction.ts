import "server-only";
import { DEFAULT_ATTEMPT_LOG_BYTES, LOG_TAIL_BYTES, logTruncatedMarker, utf8Bytes } from "@/lib/limits";
import { createStreamRedactor, redact, type StreamRedactor } from "@/lib/secrets";

/**
 * Log redaction with memory, and the per-attempt log cap.
 *
 * One stream redactor per (lease, stream) keeps the unfinished last line of the previous chunk, so a
 * secret split across two chunks is still caught. The state is per process: an agent talks to one
 * instance at a time in practice; if its requests land on two instances, a split secret at the seam
 * is the residual risk (and the cap is counted per instance).
 *
 * Nothing changes until the batch is stored: `begin` stages a batch on copies of the state and
 * `commit` keeps them. A batch refused by the fence, or lost to a transient store error, leaves the
 * redactors as they were, so the agent's re-send is redacted the same way and is not dropped as a
 * repeat.
 *
 * The cap: once an attempt's stored log passes `maxBytes`, the chunk that crosses it ends with the
 * truncation marker (lib/limits.ts) and later output is not stored, except its last LOG_TAIL_BYTES,
 * which are stored after the marker when the attempt ends.
 */
type Stream = "stdout" | "stderr";

export interface LogChunkOut {
  seq: number;
  stream: Stream;
  text: string;
}

interface StreamState {
  redactor: StreamRedactor;
  lastSeq: number;
}

interface LeaseState {
  streams: Partial<Record<Stream, StreamState>>;
  bytes: number;
  truncated: boolean;
  /** redacted output past the cap, newest last, about LOG_TAIL_BYTES in all */
  tail: { stream: Stream; text: string }[];
  touchedAt: number;
}

export interface LogBatch {
  /** Redacts one log event; returns what to store for it (nothing for a repeat or dropped text). */
  push(stream: Stream, seq: number, text: string): LogChunkOut[];
  /** Keeps the staged state: call once the batch is stored. */
  commit(): void;
}

function trimTail(tail: { stream: Stream; text: string }[]): { stream: Stream; text: string }[] {
  let total = 0;
  const out: { stream: Stream; text: string }[] = [];
  for (let i = tail.length - 1; i >= 0 && total < LOG_TAIL_BYTES; i--) {
    const t = tail[i]!;
    const room = LOG_TAIL_BYTES - total;
    const text = t.text.length > room ? t.text.slice(t.text.length - room) : t.text;
    total += text.length;
    out.push({ stream: t.stream, text });
  }
  return out.reverse();
}

export class LogRedactors {
  private readonly leases = new Map<string, LeaseState>();

  constructor(
    private readonly now: () => number,
    private readonly maxBytes: number = DEFAULT_ATTEMPT_LOG_BYTES,
  ) {}

  begin(leaseId: string): LogBatch {
    const base = this.leases.get(leaseId);
    const staged: LeaseState = {
      streams: {},
      bytes: base?.bytes ?? 0,
      truncated: base?.truncated ?? false,
      tail: [],
      touchedAt: this.now(),
    };
    const streamOf = (stream: Stream): StreamState => {
      let st = staged.streams[stream];
      if (!st) {
        const b = base?.streams[stream];
        st = staged.streams[stream] = { redactor: b ? b.redactor.fork() : createStreamRedactor(), lastSeq: b?.lastSeq ?? 0 };
      }
      return st;
    };
    return {
      push: (stream, seq, text) => {
        const st = streamOf(stream);
        if (seq <= st.lastSeq) return [];
        st.lastSeq = seq;
        const clean = st.redactor.push(text);
        if (staged.truncated) {
          if (clean) staged.tail.push({ stream, text: clean });
          return [];
        }
        const bytes = utf8Bytes(clean);
        if (staged.bytes + bytes <= this.maxBytes) {
          staged.bytes += bytes;
          return clean ? [{ seq, stream, text: clean }] : [];
        }
        // Crossing the cap: keep what fits, then the marker; the rest goes to the tail.
        const room = Math.max(0, this.maxBytes - staged.bytes);
        let keep = Math.min(clean.length, room);
        while (keep > 0 && utf8Bytes(clean.slice(0, keep)) > room) keep = Math.floor(keep * 0.9);
        staged.truncated = true;
        staged.bytes = this.maxBytes;
        staged.tail.push({ stream, text: clean.slice(keep) });
        return [{ seq, stream, text: clean.slice(0, keep) + logTruncatedMarker(this.maxBytes) }];
      },
      commit: () => {
        const cur = this.leases.get(leaseId);
        const tail = trimTail([...(cur?.tail ?? []), ...staged.tail]);
        this.leases.set(leaseId, {
          streams: { ...(cur?.streams ?? {}), ...staged.streams },
          bytes: staged.bytes,
          truncated: staged.truncated,
          tail,
          touchedAt: staged.touchedAt,
        });
      },
    };
  }

  /**
   * What is left to store when the attempt ends, numbered after the last seq the agent used (no agent
   * seq can follow): the kept tail of a truncated log, then each stream's held-back text, redacted.
   * Changes nothing; `forget` once it is stored.
   */
  tails(leaseId: string): LogChunkOut[] {
    const st = this.leases.get(leaseId);
    if (!st) return [];
    const out: LogChunkOut[] = [];
    let seq = Math.max(st.streams.stdout?.lastSeq ?? 0, st.streams.stderr?.lastSeq ?? 0);
    for (const t of st.tail) out.push({ seq: ++seq, stream: t.stream, text: t.text });
    for (const stream of ["stdout", "stderr"] as const) {
      const s = st.streams[stream];
      if (!s) continue;
      const text = s.redactor.fork().flush();
      if (text) out.push({ seq: ++seq, stream, text });
    }
    return out;
  }

  forget(leaseId: string): void {
    this.leases.delete(leaseId);
  }

  /** Forgets leases idle longer than `idleMs` (leases that expired without completing). */
  prune(idleMs: number): void {
    const limit = this.now() - idleMs;
    for (const [k, e] of this.leases) if (e.touchedAt < limit) this.leases.delete(k);
  }
}

/**
 * Redacts every string inside an event's data (verify output, artifact content, paths…), keys too.
 * Iterative: no nesting depth overflows the stack or goes unredacted.
 */
export function redactDeep<T>(value: T): T {
  const root: { v: unknown } = { v: value };
  const stack: { from: unknown; into: Record<string, unknown> | unknown[]; key: string | number }[] = [{ from: value, into: root as unknown as Record<string, unknown>, key: "v" }];
  while (stack.length > 0) {
    const { from, into, key } = stack.pop()!;
    let to: unknown = from;
    if (typeof from === "string") to = redact(from);
    else if (Array.isArray(from)) {
      const arr: unknown[] = new Array(from.length);
      from.forEach((v, i) => stack.push({ from: v, into: arr, key: i }));
      to = arr;
    } else if (from !== null && typeof from === "object") {
      const obj: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(from)) {
        const rk = redact(k);
        obj[rk] = undefined; // the key's place now, so the copy keeps the original order
        stack.push({ from: v, into: obj, key: rk });
      }
      to = obj;
    }
    (into as Record<string | number, unknown>)[key] = to;
  }
  return root.v as T;
}
