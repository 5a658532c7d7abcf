/**
 * Replays what the outbox holds (./outbox.ts), oldest first: at start (what a crashed or stopped
 * predecessor left), and again whenever the coordinator answers while entries wait (a partition
 * healed). Entries of a lease a run of this process still holds are that run's business and are
 * skipped. A round stops at the first entry that cannot be delivered now (unreachable, token
 * refused): order is kept, so a lease's completion never overtakes its events.
 *
 * A completion the coordinator answers with `late` was for a lease it had reaped meanwhile: the
 * result is recorded on that attempt and the job is not resurrected (server/coordinator/late-result.ts).
 */
import type { CoordinatorClient } from "../net/client";
import { LeaseLostError, RejectedError } from "../net/errors";
import type { Outbox } from "./outbox";

export interface ReplayResult {
  sent: number;
  dropped: number;
  /** entries still waiting (the coordinator did not answer) */
  waiting: number;
}

export async function replayOutbox(
  outbox: Outbox,
  client: Pick<CoordinatorClient, "events" | "complete">,
  opts: { skip: (leaseId: string) => boolean; log: (msg: string) => void },
): Promise<ReplayResult> {
  const entries = outbox.list().filter((e) => !opts.skip(e.leaseId));
  const r: ReplayResult = { sent: 0, dropped: 0, waiting: 0 };
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    try {
      if (e.kind === "events") await client.events(e.leaseId, e.epoch, e.events);
      else await client.complete(e.leaseId, e.body);
      outbox.remove(e.id);
      r.sent++;
      if (e.kind === "complete") opts.log(`outbox: delivered the completion of lease ${e.leaseId} (${e.body.outcome})`);
    } catch (err) {
      if (err instanceof LeaseLostError || err instanceof RejectedError) {
        // The coordinator decided; sending again cannot change its answer.
        outbox.remove(e.id);
        r.dropped++;
        opts.log(`outbox: the coordinator refused the ${e.kind === "events" ? `events ${e.events[0]!.seq}-${e.events.at(-1)!.seq}` : "completion"} of lease ${e.leaseId}: ${(err as Error).message}`);
        continue;
      }
      r.waiting = entries.length - i;
      return r;
    }
  }
  return r;
}
