/**
 * One protocol, two transports (issue 17 §4). Everything the agent's loop and runner need from
 * "where the work comes from and where its reports go" is this interface; the coordinator over HTTP
 * (./http-transport.ts) and the folder queue (../offline/folder-transport.ts) implement it, and the
 * loop (./claim-loop.ts) and the runner (./job-pool.ts → ../run/job-runner.ts) cannot tell them apart:
 *
 *   claim(free stations) → ClaimResponse (lease, job, prompt, engine)
 *   lease: renew · events · complete (the runner's LeaseClient)
 *   ended(claim, result): the run is over and its completion was handed to `lease`
 *
 * Retries, the budget's wall limit and verify live in the runner and in the stage rules the
 * transport applies to the completion (the coordinator's lib/stages, or the same functions the
 * folder calls), so they behave the same on both.
 */
import type { ClaimResponse, Station } from "@/lib/protocol";
import type { JobResult, JobRunOptions, LeaseClient } from "../run/job-runner";

/** What a claim attempt produced: a job to run, nothing now, or a work item it settled itself (an invalid file). */
export type Claimed = ClaimResponse | null | "handled";

export interface Transport {
  /** for logs: "coordinator", "folder DIR" */
  readonly label: string;
  /** the runner's lease writes */
  readonly lease: LeaseClient;
  /** One job for these free stations, or null. A long poll waits inside; `signal` cuts it short. */
  claim(free: Station[], signal: AbortSignal): Promise<Claimed>;
  /** How long to wait before asking again after `null` (a long poll already waited). */
  idleMs(): number;
  /** A claim threw: the wait before the next one, or "stop" (the loop ends). */
  claimFailed(e: Error, failures: number): number | "stop";
  /** Per-run options this transport needs (e.g. finish when the coordinator is unreachable). */
  runOptions?(claim: ClaimResponse): Partial<JobRunOptions>;
  /** The run has started (a run file, a crash-recovery record). */
  started?(claim: ClaimResponse): void;
  /** The run is over; `result` is what the runner reported. Called before the station is freed. */
  ended?(claim: ClaimResponse, result: JobResult | undefined): void;
}
