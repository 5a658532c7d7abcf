import { createParser, type EventSourceMessage } from "eventsource-parser";

/**
 * Reads a server-sent-events response to its end, handing each message to `onEvent`, until the
 * stream ends or `signal` is aborted (how a command stops following: `fleet logs -f` when the job is
 * done, `fleet watch --count N` after N messages). An abort is the normal way out, not an error.
 */
export async function followSse(res: Response, signal: AbortSignal, onEvent: (msg: EventSourceMessage) => void): Promise<void> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const parser = createParser({ onEvent });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
  } catch (e) {
    if (!signal.aborted) throw e;
  }
}
