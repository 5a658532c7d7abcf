"use client";
/**
 * Subscribes to an SSE endpoint with fetch + eventsource-parser rather than EventSource, so that:
 *  - a reconnect sends `Last-Event-ID` from the last message *we applied* (EventSource keeps its own),
 *  - a paused consumer can stop and restart the stream cleanly,
 *  - 401/403 stop the loop instead of retrying forever.
 * Reconnects back off 0.5 s → 8 s; `onStatus` lets the UI show "live" / "reconnecting" and lets a
 * caller fall back to polling.
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { useEffect, useRef } from "react";

export type StreamStatus = "connecting" | "live" | "reconnecting" | "closed";

export interface SseOptions {
  url: string | null;
  onMessage: (msg: EventSourceMessage) => void;
  onStatus?: (status: StreamStatus) => void;
  /** the id to resume after on the first connection (e.g. the last event already rendered) */
  lastEventId?: string;
}

export function useSse({ url, onMessage, onStatus, lastEventId }: SseOptions): void {
  const handlers = useRef({ onMessage, onStatus });
  handlers.current = { onMessage, onStatus };
  const initialId = useRef(lastEventId);

  useEffect(() => {
    if (!url) return;
    const abort = new AbortController();
    let last = initialId.current;
    let delay = 500;
    const status = (s: StreamStatus) => handlers.current.onStatus?.(s);

    const run = async () => {
      status("connecting");
      while (!abort.signal.aborted) {
        try {
          const headers: Record<string, string> = { accept: "text/event-stream" };
          if (last) headers["last-event-id"] = last;
          const res = await fetch(url, { headers, signal: abort.signal, cache: "no-store" });
          if (res.status === 401 || res.status === 403 || res.status === 404) {
            status("closed");
            return;
          }
          if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
          status("live");
          delay = 500;
          const parser = createParser({
            onEvent(msg) {
              if (msg.id) last = msg.id;
              handlers.current.onMessage(msg);
            },
          });
          const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            parser.feed(value);
          }
        } catch {
          if (abort.signal.aborted) return;
        }
        if (abort.signal.aborted) return;
        status("reconnecting");
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 8000);
      }
    };
    void run();
    return () => {
      abort.abort();
    };
  }, [url]);
}
