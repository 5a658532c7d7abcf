import "server-only";
import { parentPort, workerData } from "node:worker_threads";
import { isStoreError } from "../errors";
import { openSqliteStore } from "./sqlite-store";

/**
 * One OS thread of the SQLite claim race (claim-race.test.ts): its own connection to the shared
 * file, running `claimers` claim loops. Threads contend on the file's write lock for real.
 */
interface Input {
  file: string;
  worker: number;
  claimers: number;
  now: number;
}

const input = workerData as Input;
const store = openSqliteStore({ file: input.file, busyTimeoutMs: 10_000 });
const grants: { jobId: string; leaseId: string }[] = [];
let attempts = 0;
let busy = 0;

async function claimLoop(n: number): Promise<void> {
  for (let round = 0; ; round++) {
    const candidates = await store.listClaimCandidates({ now: input.now, limit: 8 });
    if (candidates.length === 0) return;
    // start at a different place in the list than the other claimers
    const offset = (n * 31 + round) % candidates.length;
    for (let k = 0; k < candidates.length; k++) {
      const job = candidates[(offset + k) % candidates.length]!;
      const leaseId = `w${input.worker}-c${n}-r${round}`;
      attempts += 1;
      try {
        // Odd threads claim as the coordinator does (events in the claim's transaction), even ones bare.
        const events = input.worker % 2 === 1 ? () => [{ type: "lease:granted", at: input.now, data: { leaseId } }] : undefined;
        const g = await store.claimJob({ jobId: job.id, factoryId: `w${input.worker}`, engine: "e", leaseId, ttlMs: 60_000, now: input.now, ...(events ? { events } : {}) });
        if (g) {
          grants.push({ jobId: g.job.id, leaseId });
          break;
        }
      } catch (e) {
        if (!isStoreError(e, "busy")) throw e;
        busy += 1;
      }
    }
    // let the other claim loops of this thread in (each claim above is synchronous underneath)
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

// Start together: thread start-up (loading TypeScript) takes longer than the whole race.
parentPort!.postMessage({ ready: true });
await new Promise<void>((resolve) => parentPort!.once("message", () => resolve()));
await Promise.all(Array.from({ length: input.claimers }, (_, n) => claimLoop(n)));
await store.close();
parentPort!.postMessage({ grants, attempts, busy });
