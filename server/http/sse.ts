import "server-only";
import type { StreamSend } from "@/lib/api/stream";

/**
 * Server-sent events over a web ReadableStream. The producer runs until the client goes away (the
 * request's signal or the stream's cancel, whichever Next reports first) and is then aborted; a
 * comment line every `heartbeatMs` keeps proxies from closing an idle stream. Nothing outlives the
 * connection: the heartbeat timer is cleared and the producer's signal aborted on every exit path.
 */
export interface SseMessage {
  id?: string;
  event?: string;
  data: unknown;
}

/** M: the stream's message union (lib/api/stream.ts), which the producer's send is typed by. */
export function sseResponse<M extends SseMessage>(
  requestSignal: AbortSignal,
  producer: (send: StreamSend<M>, signal: AbortSignal) => Promise<void>,
  opts: { heartbeatMs?: number; onError?: (err: unknown) => void } = {},
): Response {
  const abort = new AbortController();
  const encoder = new TextEncoder();
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  const stop = () => {
    if (heartbeat) clearInterval(heartbeat);
    heartbeat = undefined;
    abort.abort();
  };
  requestSignal.addEventListener("abort", stop, { once: true });
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const write = (text: string) => {
        if (abort.signal.aborted) return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          stop();
        }
      };
      const send: StreamSend<M> = (msg) => {
        let out = "";
        if (msg.id !== undefined) out += `id: ${msg.id}\n`;
        if (msg.event !== undefined) out += `event: ${msg.event}\n`;
        for (const line of JSON.stringify(msg.data).split("\n")) out += `data: ${line}\n`;
        write(out + "\n");
      };
      write(": connected\nretry: 2000\n\n");
      heartbeat = setInterval(() => write(": keep-alive\n\n"), opts.heartbeatMs ?? 15_000);
      producer(send, abort.signal)
        .catch((err) => opts.onError?.(err))
        .finally(() => {
          stop();
          requestSignal.removeEventListener("abort", stop);
          try {
            controller.close();
          } catch {
            // already closed by a cancelled reader
          }
        });
    },
    cancel() {
      stop();
    },
  });
  return new Response(stream, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      // no-transform keeps the compression middleware from buffering the stream
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    },
  });
}
