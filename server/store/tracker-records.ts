import "server-only";
import type { EpochMs } from "./records";

/**
 * The tracker write-back outbox (issue 16 item 5): one record per job that came from a tracker
 * item, holding what the item should say now (the one comment's text, the labels, closed or not).
 * A milestone rewrites the wanted state and bumps `rev`; the sweeper sends while `sentRev < rev`
 * (nextAttemptAt set), so a tracker outage delays the write-back and loses none, and every send
 * is of the whole wanted state (comment edited in place, labels set, close idempotent): a retry
 * after a lost answer delivers the same thing once more, never a second comment.
 */
export type TrackerMilestone = "queued" | "started" | "pr_opened" | "shipped" | "failed" | "cancelled" | "invalid";

export interface TrackerSyncRecord {
  /** `${jobId}` (or `invalid:${itemId}@${hash}` for the one "your manifest block is wrong" comment) */
  id: string;
  productId: string;
  itemId: string;
  jobId?: string;
  milestone: TrackerMilestone;
  comment: string;
  labels: { add: string[]; remove: string[] };
  close: boolean;
  /** the wanted state's revision, and the last one the tracker accepted */
  rev: number;
  sentRev: number;
  /** the tracker's id of our one comment, once created */
  commentId?: string;
  attempts: number;
  /** set while rev > sentRev: when the sweeper tries next */
  nextAttemptAt?: EpochMs;
  lastError?: string;
  /** set while rev > sentRev: since when the tracker has not heard the wanted state (the Admin page's oldest backlog) */
  pendingSince?: EpochMs;
  createdAt: EpochMs;
  updatedAt: EpochMs;
  version: number;
}
