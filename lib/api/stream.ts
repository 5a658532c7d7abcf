import { z } from "zod";
import { EVENT_TYPES } from "../events";
import { eventView } from "./jobs";

/**
 * The SSE messages of `/jobs/{id}/stream` and `/stream`, one discriminated union per stream on the
 * SSE `event` field. The server sends only these (live.ts through StreamSend) and the browser reads
 * them with parseStreamMessage: one spelling of each message, no guessing on either side.
 */
export const logLine = z.object({ stream: z.enum(["stdout", "stderr"]), text: z.string(), epoch: z.number().int(), at: z.string() });

/** Log chunks are `run:log`; every other event type carries the stored event as the API shows it. */
const storedEventTypes = EVENT_TYPES.filter((t) => t !== "run:log") as unknown as [Exclude<(typeof EVENT_TYPES)[number], "run:log">, ...Exclude<(typeof EVENT_TYPES)[number], "run:log">[]];

export const jobStreamMessage = z.discriminatedUnion("event", [
  z.object({ event: z.literal("run:log"), data: logLine }),
  z.object({ event: z.enum(storedEventTypes), data: eventView }),
]);
export type JobStreamMessage = z.infer<typeof jobStreamMessage>;

export const factoryPulse = z.object({
  kind: z.literal("factory"),
  factoryId: z.string(),
  status: z.string(),
  load: z.number(),
  running: z.number(),
  at: z.string(),
});

export const fleetStreamMessage = z.discriminatedUnion("event", [
  z.object({ event: z.literal("job"), data: eventView.extend({ jobId: z.string() }) }),
  z.object({ event: z.literal("factory"), data: factoryPulse }),
]);
export type FleetStreamMessage = z.infer<typeof fleetStreamMessage>;

/** How a producer sends one message; `id` is the resume cursor (Last-Event-ID). */
export type StreamSend<M> = (msg: M & { id?: string }) => void;

/** One received SSE message (`event`, JSON `data`) as the stream's typed message, or undefined. */
export function parseStreamMessage<S extends z.ZodType>(schema: S, msg: { event?: string | undefined; data: string }): z.infer<S> | undefined {
  let data: unknown;
  try {
    data = JSON.parse(msg.data);
  } catch {
    return undefined;
  }
  const r = schema.safeParse({ event: msg.event, data });
  return r.success ? r.data : undefined;
}
