import "server-only";
import type { EpochMs } from "../records";
import type { TrackerMilestone, TrackerSyncRecord } from "../tracker-records";

/**
 * The rules of tracker write-back records, once for both providers (the providers keep only the
 * version-guarded write). A new wanted state bumps `rev` and makes the record due now; a send that
 * the tracker accepted records `sentRev`; a failure backs off exponentially (5 s, 10 s, 20 s… capped
 * at 15 min, or later when the tracker said when), never gives up: the tracker hears every
 * milestone's final state once it is back. `attempts` counts failed sends in a row and is reset only
 * by a send that lands (a new milestone does not hide a failing streak), so with `lastError` the
 * Admin page shows a tracker that keeps refusing.
 */
export const TRACKER_SYNC_BACKOFF_BASE_MS = 5_000;
export const TRACKER_SYNC_BACKOFF_CAP_MS = 900_000;

/** The wait after a failure that follows `attempts` failures in a row. */
export const trackerSyncBackoff = (attempts: number): number => Math.min(TRACKER_SYNC_BACKOFF_CAP_MS, TRACKER_SYNC_BACKOFF_BASE_MS * 2 ** Math.min(Math.max(0, attempts), 20));

export function wantTrackerState(
  cur: TrackerSyncRecord | undefined,
  w: { id: string; productId: string; itemId: string; jobId?: string; milestone: TrackerMilestone; comment: string; labels: { add: string[]; remove: string[] }; close: boolean; now: EpochMs },
): TrackerSyncRecord {
  const base = cur ?? { id: w.id, productId: w.productId, itemId: w.itemId, rev: 0, sentRev: 0, attempts: 0, createdAt: w.now, version: 0 };
  return {
    ...base,
    ...(w.jobId ? { jobId: w.jobId } : {}),
    itemId: w.itemId,
    milestone: w.milestone,
    comment: w.comment,
    labels: w.labels,
    close: w.close,
    rev: base.rev + 1,
    nextAttemptAt: w.now,
    // a state already waiting keeps its age: the backlog is as old as the oldest undelivered want
    pendingSince: cur && cur.sentRev < cur.rev ? (cur.pendingSince ?? cur.updatedAt) : w.now,
    updatedAt: w.now,
  } as TrackerSyncRecord;
}

export function trackerSent(rec: TrackerSyncRecord, sent: { rev: number; commentId?: string; now: EpochMs }): TrackerSyncRecord {
  const sentRev = Math.max(rec.sentRev, sent.rev);
  const { nextAttemptAt: _due, lastError: _err, pendingSince, ...rest } = rec;
  const out: TrackerSyncRecord = { ...rest, sentRev, attempts: 0, updatedAt: sent.now, ...(sent.commentId ? { commentId: sent.commentId } : {}) };
  // a newer wanted state arrived while this one was on its way: still due (and as old as it was)
  return sentRev < rec.rev ? { ...out, nextAttemptAt: sent.now, ...(pendingSince !== undefined ? { pendingSince } : {}) } : out;
}

export function trackerFailed(rec: TrackerSyncRecord, f: { error: string; now: EpochMs; retryAt?: EpochMs; commentId?: string }): TrackerSyncRecord {
  const step = trackerSyncBackoff(rec.attempts);
  return {
    ...rec,
    attempts: rec.attempts + 1,
    nextAttemptAt: Math.max(f.now + step, f.retryAt ?? 0),
    lastError: f.error.slice(0, 300),
    updatedAt: f.now,
    ...(f.commentId ? { commentId: f.commentId } : {}),
  };
}

export const trackerSyncDue = (rec: TrackerSyncRecord): number | null => (rec.sentRev < rec.rev ? (rec.nextAttemptAt ?? rec.updatedAt) : null);
