import "server-only";
import type Database from "better-sqlite3";
import { TERMINAL_STAGES } from "@/lib/stages";
import type { PruneRequest } from "../port";

/**
 * Retention on SQLite: the log chunks or events of up to `limit` terminal jobs whose last write is
 * older than `terminalBefore`. The candidates come from the jobs table (stage index), so a job in
 * any other stage can never be chosen; a pruned job has no rows left and drops out of the next batch.
 * Runs inside the caller's write transaction.
 */
const STAGES = TERMINAL_STAGES.map((s) => `'${s}'`).join(", ");

export function sqlitePruner(db: Database.Database) {
  const stmts = {
    logs: {
      candidates: db.prepare(`SELECT id FROM jobs WHERE stage IN (${STAGES}) AND updated_at < ?
        AND EXISTS (SELECT 1 FROM logs WHERE logs.job_id = jobs.id) ORDER BY updated_at, id LIMIT ?`),
      remove: db.prepare("DELETE FROM logs WHERE job_id = ?"),
    },
    events: {
      candidates: db.prepare(`SELECT id FROM jobs WHERE stage IN (${STAGES}) AND updated_at < ?
        AND EXISTS (SELECT 1 FROM events WHERE events.job_id = jobs.id) ORDER BY updated_at, id LIMIT ?`),
      remove: db.prepare("DELETE FROM events WHERE job_id = ?"),
    },
  };
  return (req: PruneRequest): string[] => {
    const s = stmts[req.what];
    const ids = (s.candidates.all(req.terminalBefore, req.limit) as { id: string }[]).map((r) => r.id);
    for (const id of ids) s.remove.run(id);
    return ids;
  };
}
