/**
 * Engine output → `log` events. Each stream goes through its own stream redactor (which holds
 * back a short tail so a secret split across two chunks is still caught) BEFORE it is queued, so
 * nothing unredacted ever reaches the event queue. Text accumulates between flushes and leaves as
 * one event per stream per flush (split at the protocol's size limit).
 *
 * The redactor keeps a tail back until more text arrives; for a quiet engine that would hold its
 * last line indefinitely. So when a stream has been quiet for a whole flush tick and its held text
 * ends a line, the redactor is flushed (redacting what it held) and replaced with a fresh one —
 * except inside an open private-key block, which must be seen whole.
 */
import { createStreamRedactor, type StreamRedactor } from "@/lib/secrets";
import { LIMITS } from "@/lib/protocol";
import type { EventStream } from "../net/event-stream";
import { OutputTail } from "./output-tail";

type Stream = "stdout" | "stderr";

export class LogChunker {
  private redactors: Record<Stream, StreamRedactor>;
  private pending: Record<Stream, string> = { stdout: "", stderr: "" };
  private state: Record<Stream, { wrote: boolean; held: boolean; endsLine: boolean; pem: boolean; carry: string }> = {
    stdout: { wrote: false, held: false, endsLine: true, pem: false, carry: "" },
    stderr: { wrote: false, held: false, endsLine: true, pem: false, carry: "" },
  };
  /** the redacted log, for the build-logs artifact */
  readonly tail = new OutputTail(LIMITS.artifactContent);

  constructor(
    private readonly events: EventStream,
    private readonly makeRedactor: () => StreamRedactor = createStreamRedactor,
  ) {
    this.redactors = { stdout: makeRedactor(), stderr: makeRedactor() };
    events.addSource(() => this.drain());
  }

  write(stream: Stream, chunk: string): void {
    if (!chunk) return;
    const st = this.state[stream];
    const seen = st.carry + chunk;
    const begin = seen.lastIndexOf("-----BEGIN");
    const end = seen.lastIndexOf("-----END");
    if (begin >= 0 || end >= 0) st.pem = begin > end;
    st.carry = seen.slice(-32);
    st.wrote = true;
    st.held = true;
    st.endsLine = chunk.endsWith("\n");
    this.add(stream, this.redactors[stream].push(chunk));
  }

  /** A line from the agent itself (workspace errors, limits hit), logged on stderr. */
  note(text: string): void {
    this.write("stderr", `[fleet-agent] ${text}\n`);
  }

  /** Releases what the redactors still hold (end of output). */
  end(): void {
    for (const s of ["stdout", "stderr"] as const) {
      this.add(s, this.redactors[s].flush());
      this.state[s].held = false;
    }
    this.drain();
  }

  private add(stream: Stream, text: string): void {
    if (!text) return;
    this.pending[stream] += text;
    this.tail.push(text);
  }

  /** Moves pending text into the event queue (called by the event stream before each flush). */
  drain(): void {
    for (const stream of ["stdout", "stderr"] as const) {
      const st = this.state[stream];
      if (!st.wrote && st.held && st.endsLine && !st.pem) {
        this.add(stream, this.redactors[stream].flush());
        this.redactors[stream] = this.makeRedactor();
        st.held = false;
      }
      st.wrote = false;
      const text = this.pending[stream];
      if (!text) continue;
      this.pending[stream] = "";
      for (let i = 0; i < text.length; i += LIMITS.logText) {
        this.events.push({ type: "log", stream, text: text.slice(i, i + LIMITS.logText) });
      }
    }
  }
}
