/**
 * Late results as the job page shows them: an attempt whose lease the coordinator reaped (the
 * factory was cut off past the TTL) that finished anyway and reported from its outbox later. The
 * coordinator records that as a `run:late_result` event of the attempt and never moves the job on
 * it (server/coordinator/late-result.ts); the page says what the attempt did so a person can judge
 * it, e.g. a succeeded late attempt beside a retry that is still running.
 */
export interface LateResult {
  seq: number;
  at: string;
  leaseId?: string;
  /** the reaped attempt's epoch (its attempt number) */
  epoch?: number;
  outcome: string;
  exitCode?: number | null;
  verifyPassed?: boolean;
  /** the job's stage when the result arrived (it stays there) */
  stage?: string;
}

interface EventLike {
  seq: number;
  type: string;
  at: string;
  data?: unknown;
  leaseId?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Every late result, oldest first; events of other types, or malformed data, are skipped. */
export function lateResultsOf(events: readonly EventLike[]): LateResult[] {
  const out: LateResult[] = [];
  for (const e of events) {
    if (e.type !== "run:late_result" || !isObj(e.data) || typeof e.data.outcome !== "string") continue;
    const d = e.data;
    out.push({
      seq: e.seq,
      at: e.at,
      outcome: d.outcome as string,
      ...(e.leaseId ? { leaseId: e.leaseId } : {}),
      ...(typeof d.epoch === "number" ? { epoch: d.epoch } : {}),
      ...(typeof d.exitCode === "number" || d.exitCode === null ? { exitCode: d.exitCode as number | null } : {}),
      ...(typeof d.verifyPassed === "boolean" ? { verifyPassed: d.verifyPassed } : {}),
      ...(typeof d.stage === "string" ? { stage: d.stage } : {}),
    });
  }
  return out;
}
