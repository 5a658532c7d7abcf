import "server-only";
import type { Container } from "@azure/cosmos";
import { isStoreError, StoreError } from "../errors";
import type { RestoreRecord } from "../port";
import type { JobRecord } from "../records";
import { notEmpty, restoreOwner, storeHasJobs } from "../rules/restore";
import type { Containers } from "./containers";
import { isConflict, isNotFound, mapCosmosError } from "./cosmos-errors";
import { jobDoc } from "./documents";
import { eventDocId } from "./event-outbox";

/**
 * Restore on Cosmos (Store.restoreJobs), without transactions (the test server has none): every
 * document is a create (a taken id is a 409, never an overwrite), each job's runs, leases, events
 * and logs go in before its job document (a reader never sees a job whose history is still
 * missing), and on any failure the documents written so far are deleted again, newest first. The
 * job document carries `x_seq` = its last archived event, so numbering continues after a requeue,
 * and an empty outbox (every event is in fleet_events already). The "no job yet" check comes first
 * and is not atomic with the writes: run it against a store no control plane is writing to.
 */
export async function cosmosRestore(c: Containers, countJobs: () => Promise<Partial<Record<string, number>>>, records: AsyncIterable<RestoreRecord>): Promise<number> {
  if (storeHasJobs(await countJobs())) throw notEmpty();
  const written: { container: Container; id: string; pk: string }[] = [];
  const create = async (container: Container, doc: { id: string }, pk: string) => {
    await container.items.create(doc);
    written.push({ container, id: doc.id, pk });
  };
  let current: JobRecord | undefined;
  let lastSeq = 0;
  let jobs = 0;
  const finishJob = async () => {
    if (!current) return;
    await create(c.jobs, jobDoc(current, lastSeq, []), current.productId);
    jobs++;
  };
  try {
    for await (const rec of records) {
      const owner = restoreOwner(current, rec);
      switch (rec.kind) {
        case "job":
          await finishJob();
          current = owner;
          lastSeq = 0;
          break;
        case "run":
          await create(c.runs, rec.run, owner.id);
          await create(c.leases, rec.lease, owner.id);
          break;
        case "event":
          await create(c.events, { id: eventDocId(rec.event.seq), ...rec.event }, owner.id);
          lastSeq = Math.max(lastSeq, rec.event.seq);
          break;
        case "log":
          await create(c.logs, { id: `${rec.log.leaseId}:${rec.log.seq}`, ...rec.log }, owner.id);
          break;
        default: {
          const never: never = rec;
          throw new Error(`unknown record ${JSON.stringify(never)}`);
        }
      }
    }
    await finishJob();
    return jobs;
  } catch (e) {
    const left = await undo(written);
    const suffix = left === 0 ? "nothing was kept" : `${left} written document(s) could not be removed: clear the database before trying again`;
    if (isStoreError(e)) throw new StoreError(e.code, `${e.message}; ${suffix}`);
    if (isConflict(e)) throw new StoreError("conflict", `an archived record is already in the store; ${suffix}`);
    const mapped = mapCosmosError(e);
    if (isStoreError(mapped)) throw new StoreError(mapped.code, `${mapped.message}; ${suffix}`);
    throw new Error(`${mapped instanceof Error ? mapped.message : String(mapped)}; ${suffix}`, { cause: mapped });
  }
}

/** Deletes what a failed restore wrote, newest first; returns how many could not be deleted. */
async function undo(written: { container: Container; id: string; pk: string }[]): Promise<number> {
  let left = 0;
  for (const w of written.reverse()) {
    try {
      await w.container.item(w.id, w.pk).delete();
    } catch (e) {
      if (!isNotFound(e)) left++;
    }
  }
  return left;
}
