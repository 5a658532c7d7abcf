import "server-only";

/**
 * Process-local counters and the claim latency histogram, rendered as Prometheus text together with
 * gauges read from the store at scrape time (queue depth, factories online). Counters are per app
 * instance, as Prometheus expects (it sums across instances).
 */
const CLAIM_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class Metrics {
  leasesGranted = 0;
  leasesExpired = 0;
  leasesLost = 0;
  jobsSubmitted = 0;
  verifyPassed = 0;
  verifyFailed = 0;
  private readonly claimBuckets = new Array<number>(CLAIM_BUCKETS_S.length).fill(0);
  private claimCount = 0;
  private claimSum = 0;

  /** Seconds from receiving a claim request to granting it (includes any long-poll wait). */
  observeClaim(seconds: number): void {
    this.claimCount++;
    this.claimSum += seconds;
    for (let i = 0; i < CLAIM_BUCKETS_S.length; i++) if (seconds <= CLAIM_BUCKETS_S[i]!) this.claimBuckets[i]!++;
  }

  render(gauges: { queueDepth: Record<string, number>; factories: Record<string, number>; storeOps: Record<string, number> }): string {
    const lines: string[] = [];
    const metric = (name: string, type: string, help: string) => lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    metric("fleet_jobs", "gauge", "Jobs by stage.");
    for (const [stage, n] of Object.entries(gauges.queueDepth)) lines.push(`fleet_jobs{stage="${stage}"} ${n}`);
    metric("fleet_factories", "gauge", "Factories by health.");
    for (const [health, n] of Object.entries(gauges.factories)) lines.push(`fleet_factories{health="${health}"} ${n}`);
    metric("fleet_factories_online", "gauge", "Factories online (heartbeat within the offline window).");
    lines.push(`fleet_factories_online ${gauges.factories.online ?? 0}`);
    metric("fleet_leases_granted_total", "counter", "Leases granted by this instance.");
    lines.push(`fleet_leases_granted_total ${this.leasesGranted}`);
    metric("fleet_leases_expired_total", "counter", "Leases reaped after expiry by this instance's sweeper.");
    lines.push(`fleet_leases_expired_total ${this.leasesExpired}`);
    metric("fleet_leases_lost_total", "counter", "Fenced writes refused with lease_lost.");
    lines.push(`fleet_leases_lost_total ${this.leasesLost}`);
    metric("fleet_jobs_submitted_total", "counter", "Jobs created by this instance.");
    lines.push(`fleet_jobs_submitted_total ${this.jobsSubmitted}`);
    metric("fleet_claim_duration_seconds", "histogram", "Time from a claim request to its grant.");
    CLAIM_BUCKETS_S.forEach((le, i) => lines.push(`fleet_claim_duration_seconds_bucket{le="${le}"} ${this.claimBuckets[i]}`));
    lines.push(`fleet_claim_duration_seconds_bucket{le="+Inf"} ${this.claimCount}`);
    lines.push(`fleet_claim_duration_seconds_sum ${this.claimSum}`);
    lines.push(`fleet_claim_duration_seconds_count ${this.claimCount}`);
    metric("fleet_store_ops_total", "counter", "Store calls by this instance, by method.");
    for (const [op, n] of Object.entries(gauges.storeOps)) lines.push(`fleet_store_ops_total{op="${op}"} ${n}`);
    return lines.join("\n") + "\n";
  }
}
