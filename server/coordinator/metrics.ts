import "server-only";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * The coordinator's Prometheus metrics, on prom-client with one Registry per coordinator context
 * (no global registry: tests and several contexts in one process stay apart).
 *
 * Two kinds of series:
 * - event series (counters, histograms) are moved where the thing happens (claim, complete, reap)
 *   and are per app instance, as Prometheus expects (it sums across instances);
 * - state series (gauges) are set from the store at scrape time by `scrapeGauges` in
 *   fleet-metrics.ts, so every instance reports the same fleet-wide state.
 *
 * Labels are bounded: stage, priority and outcome are closed sets; product, engine and capability
 * pool come from job input, so each passes through a `LabelLimiter` (the first N distinct values
 * keep their name, the rest are counted as `other`). No job, lease or factory id is ever a label.
 */
const LATENCY_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const RUN_BUCKETS_S = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400];
const WAIT_BUCKETS_S = [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200];

/** Keeps a label's cardinality bounded: the first `max` values keep their name, later ones become `other`. */
export class LabelLimiter {
  private readonly seen = new Set<string>();
  constructor(private readonly max: number) {}

  label(value: string | undefined): string {
    const v = (value ?? "").slice(0, 64) || "none";
    if (this.seen.has(v)) return v;
    if (this.seen.size >= this.max) return "other";
    this.seen.add(v);
    return v;
  }
}

export class Metrics {
  readonly registry = new Registry();
  readonly products = new LabelLimiter(50);
  readonly engines = new LabelLimiter(20);
  readonly pools = new LabelLimiter(30);

  private readonly c = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name, help, labelNames, registers: [this.registry] });
  private readonly h = (name: string, help: string, buckets: number[], labelNames: string[] = []) =>
    new Histogram({ name, help, buckets, labelNames, registers: [this.registry] });
  private readonly g = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [this.registry] });

  // ── event series ──────────────────────────────────────────────────────────────────────────────
  readonly leasesGranted = this.c("fleet_leases_granted_total", "Leases granted by this instance.");
  readonly leasesExpired = this.c("fleet_leases_expired_total", "Leases reaped after expiry by this instance's sweeper.");
  readonly leasesLost = this.c("fleet_leases_lost_total", "Fenced writes refused with lease_lost.");
  readonly jobsSubmitted = this.c("fleet_jobs_submitted_total", "Jobs created by this instance.");
  readonly verify = this.c("fleet_verify_total", "Verify results reported at complete, by result.", ["result"]);
  readonly claimDuration = this.h("fleet_claim_duration_seconds", "Time from a claim request to its grant, long-poll wait included.", LATENCY_BUCKETS_S);
  readonly assignLatency = this.h(
    "fleet_assign_latency_seconds",
    "Time the granting claim round took (scheduling and the conditional write), long-poll idle time excluded.",
    LATENCY_BUCKETS_S,
  );
  readonly runDuration = this.h("fleet_run_duration_seconds", "Wall time of finished attempts, by engine and outcome.", RUN_BUCKETS_S, ["engine", "outcome"]);
  readonly costUsd = this.c("fleet_cost_usd_total", "Cost of finished attempts in USD, by product and engine.", ["product", "engine"]);
  readonly tokens = this.c("fleet_tokens_total", "Tokens of finished attempts, by product, engine and direction (in/out).", ["product", "engine", "direction"]);
  readonly jobWait = this.h("fleet_job_wait_seconds", "Time a job waited from submit to its first grant, by product and priority (fairness).", WAIT_BUCKETS_S, ["product", "priority"]);

  // ── state series (set at scrape) ─────────────────────────────────────────────────────────────
  readonly jobsByStage = this.g("fleet_jobs", "Jobs by stage.", ["stage"]);
  readonly queueDepth = this.g("fleet_queue_depth", "Queued jobs by priority.", ["priority"]);
  readonly oldestByPriority = this.g("fleet_queue_oldest_age_seconds", "Age of the oldest queued job, by priority (0 when none).", ["priority"]);
  readonly overdueByPriority = this.g("fleet_queue_overdue", "Queued jobs older than their priority's SLA target.", ["priority"]);
  readonly slaTarget = this.g("fleet_sla_target_seconds", "The SLA target for a queued job's wait, by priority.", ["priority"]);
  readonly poolQueued = this.g("fleet_pool_queued", "Queued jobs by capability pool (the job's required capabilities).", ["pool"]);
  readonly oldestByPool = this.g("fleet_pool_oldest_queued_age_seconds", "Age of the oldest queued job, by capability pool.", ["pool"]);
  readonly productQueued = this.g("fleet_product_queued", "Queued jobs by product.", ["product"]);
  readonly productOldestWait = this.g("fleet_product_oldest_wait_seconds", "Age of each product's oldest queued job (fairness).", ["product"]);
  readonly factories = this.g("fleet_factories", "Factories by health.", ["health"]);
  readonly factoriesOnline = this.g("fleet_factories_online", "Factories online (heartbeat within the offline window).");
  readonly slots = this.g("fleet_factory_slots", "Station slots of online and draining factories, by state (total, busy).", ["state"]);
  readonly utilization = this.g("fleet_factory_utilization", "Busy slots over all slots of online and draining factories (0..1).");
  readonly passRate = this.g("fleet_verify_pass_rate", "Finished jobs that passed verify (testing, shipped) over all finished (also failed, dead_letter); 0 when none.");
  readonly storeOps = this.c("fleet_store_ops_total", "Store calls by this instance, by method.", ["op"]);

  constructor() {
    // Node process metrics under their standard names (process_*, nodejs_*), as dashboards expect.
    collectDefaultMetrics({ register: this.registry });
  }

  /** Claim request → grant, long-poll wait included (kept for dashboards built on it). */
  observeClaim(seconds: number): void {
    this.claimDuration.observe(seconds);
  }

  /** Store op counts are kept by the store; the counter is re-based to them at each scrape. */
  setStoreOps(ops: Record<string, number>): void {
    this.storeOps.reset();
    for (const [op, n] of Object.entries(ops)) this.storeOps.inc({ op }, n);
  }

  async render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
