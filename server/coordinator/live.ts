import "server-only";
import type { FleetStreamMessage, JobStreamMessage, StreamSend } from "@/lib/api/stream";
import type { CoordinatorContext } from "./context";
import { requireJob } from "./jobs";
import { WakeLatch, type FleetMessage } from "./notifier";
import { eventView } from "./views";

/**
 * The live views. A job stream interleaves the job's events and log chunks; each message's `id` is
 * `<event seq>.<log pos>`, the cursor after that message, so `Last-Event-ID` resumes exactly. Both
 * streams wake in-process on appends and re-read the store every `pollMs` (other instances).
 */
const PAGE = 500;

export function parseJobCursor(lastEventId: string | null): { seq: number; pos: number } {
  const m = /^(\d+)\.(\d+)$/.exec(lastEventId ?? "");
  return m ? { seq: Number(m[1]), pos: Number(m[2]) } : { seq: 0, pos: 0 };
}

export async function openJobStream(ctx: CoordinatorContext, jobId: string): Promise<void> {
  await requireJob(ctx, jobId);
}

export async function streamJob(
  ctx: CoordinatorContext,
  jobId: string,
  lastEventId: string | null,
  send: StreamSend<JobStreamMessage>,
  signal: AbortSignal,
): Promise<void> {
  let { seq, pos } = parseJobCursor(lastEventId);
  const latch = new WakeLatch();
  const unsubscribe = ctx.notifier.onJob(jobId, () => latch.fire());
  try {
    while (!signal.aborted) {
      latch.reset();
      const events = await ctx.store.readEvents(jobId, seq, PAGE);
      for (const e of events) {
        seq = e.seq;
        send({ id: `${seq}.${pos}`, event: e.type as Exclude<JobStreamMessage["event"], "run:log">, data: eventView(e) });
      }
      const chunks = await ctx.store.readLog(jobId, pos, PAGE);
      for (const c of chunks) {
        pos = c.pos;
        if (c.text === "") continue;
        send({ id: `${seq}.${pos}`, event: "run:log", data: { stream: c.stream, text: c.text, epoch: c.epoch, at: new Date(c.at).toISOString() } });
      }
      if (events.length === PAGE || chunks.length === PAGE || latch.fired) continue;
      await latch.wait(ctx.pollMs, signal);
    }
  } finally {
    unsubscribe();
  }
}

/** The dashboard's stream: every job event fleet-wide (from the store) plus factory heartbeats (live only). */
export async function streamFleet(ctx: CoordinatorContext, lastEventId: string | null, send: StreamSend<FleetStreamMessage>, signal: AbortSignal): Promise<void> {
  let cursor: string | undefined = lastEventId || undefined;
  const latch = new WakeLatch();
  const pending: FleetMessage[] = [];
  const unsubscribe = ctx.notifier.onFleet((msg) => {
    if (msg.kind === "factory") pending.push(msg);
    latch.fire();
  });
  try {
    let first = cursor === undefined;
    while (!signal.aborted) {
      latch.reset();
      const recent = await ctx.store.readRecentEvents(cursor, first ? 50 : PAGE);
      first = false;
      for (const r of recent) {
        cursor = r.cursor;
        send({ id: r.cursor, event: "job", data: { jobId: r.event.jobId, ...eventView(r.event) } });
      }
      for (const msg of pending.splice(0)) {
        if (msg.kind === "factory") send({ ...(cursor ? { id: cursor } : {}), event: "factory", data: { ...msg, at: new Date(msg.at).toISOString() } });
      }
      if (recent.length === PAGE || latch.fired) continue;
      await latch.wait(ctx.pollMs, signal);
    }
  } finally {
    unsubscribe();
  }
}
