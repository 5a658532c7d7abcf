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
 *
 * Then the jobs still waiting in inbox/ (handOverInbox; not with --offline-only) go to the coordinator
 * to be queued there, through the same route without an attempt:
 *
 *   claimed first (rename into building/, so no folder agent starts it meanwhile), then sent:
 *   queued (201) or known (200)       → DIR/submitted/<stem>.md + <stem>.submitted.json {jobId, stage, duplicate}
 *   refused (409 other content, 4xx)  → failed/ with <stem>.reconcile-error.txt
 *   unreachable                       → back to inbox/; the next round tries again
 *
 * The hand-over's folder lease is derived from the file's text (off-inbox-<sha256 prefix>), so a
 * re-send after a crash is the same job there, never a second one. A job that already ran here and
 * waits in inbox/ for a retry (<stem>.retry.json) finishes here: its attempts are the folder's.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { sha256Hex } from "@/lib/hash";
import { RejectedError, TransientError, UnauthorizedError } from "../net/errors";
import type { CoordinatorClient } from "../net/client";
import { FolderQueue, type StageDir } from "./folder";
import type { OfflineResult } from "./folder-result";

/** Where a handed-over inbox job goes (not a stage: the job lives on the coordinator now). */
export const SUBMITTED_DIR = "submitted";

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

export async function handOverInbox(dir: string, client: Pick<CoordinatorClient, "importRun">, log: (msg: string) => void): Promise<ReconcileResult> {
  const q = new FolderQueue(dir);
  const r: ReconcileResult = { recorded: 0, refused: 0, waiting: false };
  for (const stem of q.list("inbox")) {
    if (existsSync(q.path("inbox", stem, ".retry.json"))) continue;
    if (!q.claim(stem)) continue; // another agent has it
    let text: string;
    try {
      text = readFileSync(q.path("building", stem), "utf8");
    } catch (e) {
      log(`inbox/${stem}.md: cannot read it to hand it over: ${(e as Error).message}`);
      continue;
    }
    const leaseId = `off-inbox-${sha256Hex(text).slice(0, 8)}`;
    try {
      const done = await client.importRun({ file: `${stem}.md`, text, leaseId });
      const to = submitted(dir, stem);
      writeFileSync(path.join(dir, SUBMITTED_DIR, `${to}.submitted.json`), JSON.stringify(done, null, 2) + "\n");
      renameSync(q.path("building", stem), path.join(dir, SUBMITTED_DIR, `${to}.md`));
      r.recorded++;
      log(`inbox/${stem}.md handed over: job ${done.jobId}, ${done.stage}${done.duplicate ? " (already there: nothing will run twice)" : ""} (${SUBMITTED_DIR}/${to}.md)`);
    } catch (e) {
      if (e instanceof TransientError || e instanceof UnauthorizedError) {
        q.move(stem, "building", "inbox");
        r.waiting = true;
        return r;
      }
      if (e instanceof RejectedError) {
        refuse(q, "building", stem, `the coordinator refused the job: ${e.message}`, log);
        r.refused++;
        continue;
      }
      q.move(stem, "building", "inbox");
      throw e;
    }
  }
  return r;
}

/** A free name in DIR/submitted for this stem (an earlier job of the same name keeps its record). */
function submitted(dir: string, stem: string): string {
  mkdirSync(path.join(dir, SUBMITTED_DIR), { recursive: true });
  let to = stem;
  for (let i = 2; existsSync(path.join(dir, SUBMITTED_DIR, `${to}.md`)) || existsSync(path.join(dir, SUBMITTED_DIR, `${to}.submitted.json`)); i++) to = `${stem}-${i}`;
  return to;
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
