import "server-only";
import type { EpochMs } from "./records";

/**
 * Records of the operations features (issue 13): alert episodes and the alert delivery outbox. Both
 * carry a `version` that the store compares on every replace, so several app instances can run the
 * same sweeper step and each transition (fire, re-fire, resolve, send) happens once.
 */

export type AlertKindName = "job_stalled" | "failure_spike" | "budget_exceeded" | "factory_offline" | "dead_letter";

/** One open alert episode: created when the alert opens, deleted once its *resolved* notice is queued. */
export interface AlertStateRecord {
  /** `${kind}:${subject}` */
  id: string;
  kind: AlertKindName;
  subject: string;
  message: string;
  openedAt: EpochMs;
  /** notices queued so far in this episode (the first fire, then one per re-fire) */
  notices: number;
  lastNoticeAt?: EpochMs;
  version: number;
}

export type AlertSinkKind = "webhook" | "slack" | "email";
export type AlertNoticeKind = "fired" | "refired" | "resolved" | "test";

/** What a sink is told: the same for every sink, rendered per sink at send time. */
export interface AlertNotice {
  notice: AlertNoticeKind;
  kind: AlertKindName | "test";
  subject: string;
  message: string;
  /** a link into the control plane (the job or the fleet page) */
  link?: string;
  openedAt: EpochMs;
  at: EpochMs;
}

/**
 * One notice to one sink. Pending while `nextAttemptAt` is set; `deliveredAt` when a sink accepted
 * it; `gaveUpAt` after the last retry (kept and shown, never dropped). `target` is the sink's
 * address at enqueue time (URL or recipients); secrets are read from the settings at send time.
 */
export interface DeliveryRecord {
  /** deterministic from (episode, notice number, sink), so a repeated enqueue is a no-op */
  id: string;
  alertId: string;
  sink: AlertSinkKind;
  notice: AlertNotice;
  attempts: number;
  nextAttemptAt?: EpochMs;
  lastError?: string;
  deliveredAt?: EpochMs;
  gaveUpAt?: EpochMs;
  createdAt: EpochMs;
  version: number;
}
