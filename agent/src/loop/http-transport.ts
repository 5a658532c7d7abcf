/**
 * The coordinator over HTTP as a transport (./transport.ts): claims are long polls (waitMs 25 s),
 * the lease writes go through the durable outbox (../outbox/outbox-client.ts), and a run keeps going
 * when the coordinator is unreachable (its reports wait in the outbox). The agent (./agent.ts) keeps
 * what is HTTP's own around it: registration, heartbeats, the outbox replay, the fallback switch.
 */
import { jitter, backoffDelay } from "../net/backoff";
import type { CoordinatorClient } from "../net/client";
import { TransientError, UnauthorizedError } from "../net/errors";
import type { OutboxClient } from "../outbox/outbox-client";
import type { ClaimResponse, Station } from "@/lib/protocol";
import type { JobResult, JobRunOptions } from "../run/job-runner";
import type { Transport } from "./transport";

const CLAIM_WAIT_MS = 25_000;

export interface HttpTransportHooks {
  factoryId: () => string;
  /** the coordinator answered a claim / failed for want of a coordinator */
  reachable: () => void;
  unreachable: () => void;
  /** the factory token was refused: the agent stops */
  refused: (e: UnauthorizedError) => void;
  log: (msg: string) => void;
  /** crash-recovery record of a run (../config/running-leases.ts); `pgid` once the engine runs */
  record: (claim: ClaimResponse, pgid?: number) => void;
  /** the run is over (its record goes, the outbox may hold its reports) */
  released: (claim: ClaimResponse, result: JobResult | undefined) => void;
}

export class HttpTransport implements Transport {
  readonly label = "coordinator";

  constructor(
    private readonly client: CoordinatorClient,
    readonly lease: OutboxClient,
    private readonly h: HttpTransportHooks,
  ) {}

  async claim(free: Station[], signal: AbortSignal): Promise<ClaimResponse | null> {
    const res = await this.client.claim({ factoryId: this.h.factoryId(), free, waitMs: CLAIM_WAIT_MS }, signal);
    this.h.reachable();
    if (res) this.h.log(`claimed job ${res.job.id} "${res.job.title}" (lease ${res.lease.id}, epoch ${res.lease.epoch})${res.engine ? ` for ${res.engine}` : ""}`);
    return res;
  }

  /** The long poll already waited; a little jitter keeps a fleet from polling in lockstep. */
  idleMs(): number {
    return jitter(100, 1);
  }

  claimFailed(e: Error, failures: number): number | "stop" {
    if (e instanceof UnauthorizedError) {
      this.h.refused(e);
      return "stop";
    }
    if (e instanceof TransientError) this.h.unreachable();
    const wait = backoffDelay(failures);
    if (failures === 0 || (failures + 1) % 10 === 0) {
      this.h.log(`claim failed${e instanceof TransientError ? "" : " (refused)"}: ${e.message}; retrying in ${Math.round(wait / 1000)} s`);
    }
    return wait;
  }

  runOptions(claim: ClaimResponse): Partial<JobRunOptions> {
    return { finishWhenUnreachable: true, onProcessGroup: (pgid) => this.h.record(claim, pgid) };
  }

  started(claim: ClaimResponse): void {
    this.h.record(claim);
  }

  ended(claim: ClaimResponse, result: JobResult | undefined): void {
    this.lease.forgetLease(claim.lease.id);
    this.h.released(claim, result);
  }
}
