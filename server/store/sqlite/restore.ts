import "server-only";
import type Database from "better-sqlite3";
import { StoreError } from "../errors";
import type { RestoreRecord } from "../port";
import type { JobRecord } from "../records";
import { notEmpty, restoreOwner } from "../rules/restore";
import { jobColumns, type prepare } from "./statements";

/**
 * Restore on SQLite (Store.restoreJobs): the whole archive in ONE `BEGIN IMMEDIATE` transaction,
 * held open across the awaits of the archive's lines, so a failure anywhere (a bad record, a taken
 * id, the process killed) leaves the file as it was. Records are written as given: the doc column
 * is JSON.stringify of the record the archive carried, the very bytes the exporting store returned.
 * better-sqlite3 transactions cannot span an await, hence BEGIN/COMMIT by hand; nothing else may use
 * this connection until it returns (the CLI opens a handle for this alone).
 */
export function sqliteRestorer(db: Database.Database, s: ReturnType<typeof prepare>, isBusy: (e: unknown) => boolean) {
  const countJobs = db.prepare("SELECT COUNT(*) AS n FROM jobs");
  return async (records: AsyncIterable<RestoreRecord>): Promise<number> => {
    if (db.inTransaction) throw new StoreError("busy", "this store handle is inside another write");
    try {
      db.exec("BEGIN IMMEDIATE");
    } catch (e) {
      if (isBusy(e)) throw new StoreError("busy", "the database is busy (is the control plane writing to it?)", { retryAfterMs: 1000 });
      throw e;
    }
    let jobs = 0;
    try {
      if ((countJobs.get() as { n: number }).n > 0) throw notEmpty();
      let current: JobRecord | undefined;
      for await (const rec of records) {
        current = restoreOwner(current, rec);
        switch (rec.kind) {
          case "job":
            s.insertJob.run(jobColumns(rec.job));
            for (const dep of rec.job.deps) s.insertDep.run(dep, rec.job.id);
            jobs++;
            break;
          case "run":
            s.insertRun.run(rec.run.id, rec.run.jobId, rec.run.productId, rec.run.attempt, JSON.stringify(rec.run), JSON.stringify(rec.lease));
            break;
          case "event":
            s.insertEvent.run(rec.event.jobId, rec.event.seq, rec.event.leaseId ?? null, rec.event.agentSeq ?? null, JSON.stringify(rec.event));
            break;
          case "log":
            // insertLog ignores a repeat (agents re-send); a restore must not
            if (s.insertLog.run(rec.log.leaseId, rec.log.seq, rec.log.jobId, rec.log.pos, JSON.stringify(rec.log)).changes !== 1) {
              throw new StoreError("conflict", `log chunk ${rec.log.leaseId}/${rec.log.seq} is in the archive twice; nothing was written`);
            }
            break;
          default: {
            const never: never = rec;
            throw new Error(`unknown record ${JSON.stringify(never)}`);
          }
        }
      }
      db.exec("COMMIT");
      return jobs;
    } catch (e) {
      if (db.inTransaction) db.exec("ROLLBACK");
      const code = (e as { code?: string } | null)?.code ?? "";
      if (code.startsWith("SQLITE_CONSTRAINT")) throw new StoreError("conflict", `an archived record is already in the store (${(e as Error).message}); nothing was written`);
      throw e;
    }
  };
}
