import { createParser, type EventSourceMessage } from "eventsource-parser";
import type { CliIo } from "../fleet";
import { clientFrom, guarded, requireArg } from "./api-client";

export const usage = "usage: fleet logs ID [-f]\n  Prints the job's log; -f follows it live until the job leaves its running stages.\n";

const DONE_STAGES = new Set(["review", "testing", "shipped", "failed", "dead_letter", "cancelled"]);

export function run(args: string[], io: CliIo): Promise<number> {
  return guarded(io, async () => {
    const id = requireArg(args, "ID", usage);
    const follow = args.includes("-f") || args.includes("--follow");
    const client = clientFrom(io);
    const ctl = new AbortController();
    const res = await client.stream(`/jobs/${encodeURIComponent(id)}/stream`, ctl.signal);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let sawEvent = false;
    let idle: ReturnType<typeof setTimeout> | undefined;
    const stop = () => ctl.abort();
    // Without -f: print what is there and stop once the stream has been quiet for a moment.
    const bumpIdle = () => {
      if (follow) return;
      if (idle) clearTimeout(idle);
      idle = setTimeout(stop, sawEvent ? 300 : 2_000);
    };
    const parser = createParser({
      onEvent(msg: EventSourceMessage) {
        sawEvent = true;
        if (msg.event === "run:log") {
          const data = JSON.parse(msg.data) as { text: string };
          io.stdout(data.text);
        } else if (msg.event === "stage:changed") {
          const data = JSON.parse(msg.data) as { data: { to: string } };
          if (follow && DONE_STAGES.has(data.data.to)) setTimeout(stop, 500);
        }
        bumpIdle();
      },
    });
    bumpIdle();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch (e) {
      if (!ctl.signal.aborted) throw e;
    } finally {
      if (idle) clearTimeout(idle);
    }
    return 0;
  });
}
