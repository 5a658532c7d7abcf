/**
 * The log tail's model: an append-only list of lines fed by SSE messages that may repeat after a
 * reconnect (the server resumes from Last-Event-ID, but a message in flight at the drop can arrive
 * twice). Messages are deduplicated by their SSE id; the buffer keeps the last `max` lines so a
 * chatty job cannot exhaust the tab.
 */

export interface LogLine {
  /** stable key: `${messageId}:${index within the chunk}` */
  key: string;
  stream: "stdout" | "stderr" | "system";
  text: string;
}

export interface LogBufferState {
  lines: LogLine[];
  /** SSE ids already applied */
  seen: Set<string>;
  /** the last id applied: sent as Last-Event-ID when reconnecting */
  lastEventId?: string;
  /** a line cut mid-way by a chunk boundary, per stream, waiting for its end */
  partial: { stdout: string; stderr: string };
  dropped: number;
}

export function emptyLogBuffer(): LogBufferState {
  return { lines: [], seen: new Set(), partial: { stdout: "", stderr: "" }, dropped: 0 };
}

export interface LogChunkMessage {
  id: string;
  stream: "stdout" | "stderr" | "system";
  text: string;
}

/** Applies one chunk; returns the same state object when the chunk is a duplicate. */
export function appendChunk(state: LogBufferState, msg: LogChunkMessage, max = 5000): LogBufferState {
  if (state.seen.has(msg.id)) return state;
  const seen = new Set(state.seen);
  seen.add(msg.id);
  const partial = { ...state.partial };
  let text = msg.text;
  if (msg.stream !== "system") {
    text = partial[msg.stream] + text;
    partial[msg.stream] = "";
  }
  const pieces = text.split("\n");
  // A chunk that does not end in a newline leaves its last line open for the next chunk.
  if (msg.stream !== "system" && !text.endsWith("\n")) partial[msg.stream] = pieces.pop() ?? "";
  else if (text.endsWith("\n")) pieces.pop();
  const added = pieces.map((t, i) => ({ key: `${msg.id}:${i}`, stream: msg.stream, text: t }));
  let lines = state.lines.concat(added);
  let dropped = state.dropped;
  if (lines.length > max) {
    dropped += lines.length - max;
    lines = lines.slice(lines.length - max);
  }
  return { lines, seen, lastEventId: msg.id, partial, dropped };
}

/** The lines plus any still-open partial lines (what the screen shows right now). */
export function visibleLines(state: LogBufferState): LogLine[] {
  const tail: LogLine[] = [];
  for (const stream of ["stdout", "stderr"] as const) {
    if (state.partial[stream]) tail.push({ key: `partial:${stream}`, stream, text: state.partial[stream] });
  }
  return tail.length ? state.lines.concat(tail) : state.lines;
}
