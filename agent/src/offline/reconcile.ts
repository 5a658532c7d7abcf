/**
 * Reconcile (issue 17 §3), the agent's side: once the coordinator answers, every finished job of the
 * fallback folder (review/, testing/, shipped/, failed/ with a `<stem>.result.json` that carries its
 * attempt) is recorded there through `POST /runs/import`; the coordinator's rules decide its stage
 * and its idempotency key decides duplicates (server/coordinator/run-import.ts has the table).
 *
 *   recorded (201) or known (200)   → `<stem>.reconciled.json` {jobId, stage, duplicate}
 *   refused (409 other content, 4xx) → moved to failed/ with `<stem>.reconcile-error.txt` (the reason), not retried
 *   unreachable                      → the round stops; the next one tries again
 *
 * A result file that does not parse is treated like a refusal: set aside with its reason, never blocking the rest.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { RejectedError, TransientError, UnauthorizedError } from "../net/errors";
import type { CoordinatorClient } from "../net/client";
import { FolderQueue, type StageDir } from "./folder";
import type { OfflineResult } from "./folder-result";

const FINISHED: StageDir[] = ["review", "testing", "shipped", "failed"];

export interface ReconcileResult {
  recorded: number;
  refused: number;
  waiting: boolean;
}

export async function reconcileFolder(dir: string, client: Pick<CoordinatorClient, "importRun">, log: (msg: string) => void): Promise<ReconcileResult> {
  const q = new FolderQueue(dir);
  const r: ReconcileResult = { recorded: 0, refused: 0, waiting: false };
  for (const stage of FINISHED) {
    for (const stem of q.list(stage)) {
      const resultFile = q.path(stage, stem, ".result.json");
      if (!existsSync(resultFile) || existsSync(q.path(stage, stem, ".reconciled.json")) || existsSync(q.path(stage, stem, ".reconcile-error.txt"))) continue;
      let result: OfflineResult;
      let text: string;
      try {
        result = JSON.parse(readFileSync(resultFile, "utf8")) as OfflineResult;
        text = readFileSync(q.path(stage, stem), "utf8");
        if (!result.leaseId || !result.attempt) throw new Error("it has no leaseId/attempt (written before reconcile existed, or by hand)");
      } catch (e) {
        refuse(q, stage, stem, `${stem}.result.json cannot be reconciled: ${(e as Error).message}`, log);
        r.refused++;
        continue;
      }
      try {
        const done = await client.importRun({ file: `${stem}.md`, text, leaseId: result.leaseId, engine: result.engine, attempt: result.attempt });
        writeFileSync(q.path(stage, stem, ".reconciled.json"), JSON.stringify(done, null, 2) + "\n");
        r.recorded++;
        log(`${stage}/${stem}.md reconciled: job ${done.jobId}, ${done.stage}${done.duplicate ? " (already run online: attached as a duplicate, nothing ran again)" : ""}`);
      } catch (e) {
        if (e instanceof TransientError || e instanceof UnauthorizedError) {
          r.waiting = true;
          return r;
        }
        if (e instanceof RejectedError) {
          refuse(q, stage, stem, `the coordinator refused the import: ${e.message}`, log);
          r.refused++;
          continue;
        }
        throw e;
      }
    }
  }
  return r;
}

function refuse(q: FolderQueue, stage: StageDir, stem: string, why: string, log: (msg: string) => void): void {
  try {
    writeFileSync(q.path(stage, stem, ".reconcile-error.txt"), why + "\n");
    const to = stage === "failed" ? stem : q.move(stem, stage, "failed");
    log(`${stage}/${stem}.md not reconciled (failed/${to}.reconcile-error.txt): ${why}`);
  } catch (e) {
    log(`${stage}/${stem}.md not reconciled (${why}), and could not be set aside: ${(e as Error).message}`);
  }
}
