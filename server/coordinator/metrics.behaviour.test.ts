import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { expect, it } from "vitest";
import { forEachProvider } from "@/server/store/testing";
import { metricsText } from "./stats";
import { FLEET_SERIES } from "@/test/harness/metrics-series";
import { scenario } from "./policies/scenario-harness";

/**
 * /metrics over a real store: the text parses as Prometheus exposition format, carries every series
 * of issue 13, and its values follow what happened (a lifecycle driven in-process, a hand-moved clock).
 */

type Families = ReturnType<typeof parsePrometheusTextFormat>;
const family = (all: Families, name: string) => all.find((f) => f.name === name);
const value = (all: Families, name: string, labels: Record<string, string> = {}) => {
  const f = family(all, name);
  const m = f?.metrics.find((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v));
  return m ? Number(m.value ?? m.count) : undefined;
};

forEachProvider(({ newStore }) => {
  it("parses as Prometheus text and carries every series, with values that follow the fleet", async () => {
    const s = scenario(await newStore());
    const agent = await s.factory("m1");
    const done = await s.submit({ verify: "true", priority: "high" }, "done");
    const lease = (await agent.claim())!;
    expect(lease.jobId).toBe(done.id);
    s.clock.advance(50_000);
    await agent.events(lease, [{ seq: 1, type: "cost", usd: 0.25, tokensIn: 100, tokensOut: 40 }]);
    await agent.complete(lease, { outcome: "succeeded", exitCode: 0, verify: { passed: true, exitCode: 0, output: "ok" }, cost: { usd: 0.25, tokensIn: 100, tokensOut: 40 } });
    // Two queued jobs left behind: a critical one past its 5 min SLA and a low one that is not.
    await s.submit({ priority: "critical", capabilities: ["os:linux"] }, "late");
    s.clock.advance(6 * 60_000);
    await s.submit({ priority: "low" }, "fresh");
    s.clock.advance(1_000);

    const text = await metricsText(s.ctx);
    const all = parsePrometheusTextFormat(text);
    for (const name of FLEET_SERIES) expect(family(all, name), `series ${name}`).toBeDefined();

    expect(value(all, "fleet_jobs", { stage: "testing" })).toBe(1);
    expect(value(all, "fleet_queue_depth", { priority: "critical" })).toBe(1);
    expect(value(all, "fleet_queue_depth", { priority: "low" })).toBe(1);
    expect(value(all, "fleet_queue_depth", { priority: "high" })).toBe(0);
    expect(value(all, "fleet_queue_oldest_age_seconds", { priority: "critical" })).toBe(361);
    expect(value(all, "fleet_queue_overdue", { priority: "critical" })).toBe(1);
    expect(value(all, "fleet_queue_overdue", { priority: "low" })).toBe(0);
    expect(value(all, "fleet_sla_target_seconds", { priority: "critical" })).toBe(300);
    expect(value(all, "fleet_pool_oldest_queued_age_seconds", { pool: "os:linux" })).toBe(361);
    expect(value(all, "fleet_pool_queued", { pool: "any" })).toBe(1);
    expect(value(all, "fleet_product_queued", { product: "p1" })).toBe(2);
    expect(value(all, "fleet_verify_total", { result: "passed" })).toBe(1);
    expect(value(all, "fleet_verify_pass_rate")).toBe(1);
    expect(value(all, "fleet_cost_usd_total", { product: "p1", engine: "shell" })).toBe(0.25);
    expect(value(all, "fleet_tokens_total", { engine: "shell", direction: "out" })).toBe(40);
    expect(value(all, "fleet_leases_granted_total")).toBe(1);
    expect(value(all, "fleet_assign_latency_seconds")).toBe(1);
    // The parser flattens a labelled histogram into one label-less sample, so its lines are read directly.
    expect(text).toMatch(/^fleet_run_duration_seconds_sum\{engine="shell",outcome="succeeded"\} 50$/m);
    expect(text).toMatch(/^fleet_job_wait_seconds_count\{product="p1",priority="high"\} 1$/m);
    // No job, lease or factory id ever becomes a label value.
    for (const id of [done.id, lease.leaseId, agent.factoryId]) expect(text).not.toContain(id);
  });
});
