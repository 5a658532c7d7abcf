import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as factoriesRoute from "@/app/api/fleet/factories/route";
import * as jobRoute from "@/app/api/fleet/jobs/[id]/route";
import * as jobsRoute from "@/app/api/fleet/jobs/route";
import * as claimRoute from "@/app/api/fleet/leases/claim/route";
import * as metricsRoute from "@/app/api/fleet/metrics/route";
import * as schedulingRoute from "@/app/api/fleet/scheduling/route";
import { call, jobFile, registerFactory, submitJob } from "../harness/factory";
import { startInProcess, type InProcessApp } from "../harness/in-process";

/**
 * Scheduler weights and SLA targets as settings (issue 13 §10), over real HTTP against the app's
 * real handlers and a real SQLite store: FLEET_SCHED_WEIGHTS seeds them, PUT /scheduling changes
 * them (validated, each error naming its field, a refused body changing nothing), the next
 * placement's explanation carries the new weight, and an SLA target marks a queued job overdue in
 * the jobs list, on the job and in the metrics.
 */
let app: InProcessApp;
const api = (p: string) => `${app.url}/api/fleet${p}`;
const admin = (p: string, opts: Parameters<typeof call>[1] = {}) => call(api(p), { token: app.adminToken, ...opts });

beforeAll(async () => {
  app = await startInProcess({ FLEET_SCHED_WEIGHTS: "affinity=2", FLEET_SLA_LOW: "2d" }, [factoriesRoute, jobsRoute, jobRoute, claimRoute, metricsRoute, schedulingRoute]);
});
afterAll(async () => {
  await app?.stop();
});

type Terms = { name: string; value: number; weight: number }[];

describe("scheduler weights", () => {
  it("starts from the defaults and the environment, and says which is which", async () => {
    const r = await admin("/scheduling");
    expect(r.status).toBe(200);
    expect(r.body.weights.affinity).toEqual({ value: 2, default: 1, from: "env" });
    expect(r.body.weights.fairness).toEqual({ value: 4, default: 4, from: "default" });
    expect(r.body.slaMs.low).toEqual({ value: 2 * 86_400_000, default: 86_400_000, from: "env" });
    expect(r.body.slaMs.critical).toEqual({ value: 300_000, default: 300_000, from: "default" });
  });

  it("refuses a bad body naming each field, and changes nothing", async () => {
    const r = await admin("/scheduling", { method: "PUT", json: { weights: { load: -1, fairnes: 2 }, slaMs: { critical: 10 } } });
    expect(r.status).toBe(400);
    const paths = (r.body.errors as { path: string; message: string }[]).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["weights.load", "slaMs.critical"]));
    expect(JSON.stringify(r.body.errors)).toContain("fairnes");
    expect((await admin("/scheduling")).body.weights.load.from).toBe("default");
    // Only an admin may change them.
    const viewerless = await call(api("/scheduling"), { method: "PUT", json: { weights: { load: 2 } } });
    expect(viewerless.status).toBe(401);
  });

  it("a changed weight shows in the next placement's explanation", async () => {
    const factory = await registerFactory(app.url, app.enrollmentToken, { name: "w-1" });
    const first = await submitJob(app.url, app.adminToken, jobFile({ title: "before the change" }));
    expect((await factory.claim()).body.lease.jobId).toBe(first.id);
    const before = (await admin(`/jobs/${first.id}`)).body.decision as { terms: Terms; score: number };
    expect(before.terms.find((t) => t.name === "load")?.weight).toBe(1);
    expect(before.terms.find((t) => t.name === "affinity")?.weight).toBe(2);

    const saved = await admin("/scheduling", { method: "PUT", json: { weights: { load: 7 } } });
    expect(saved.status).toBe(200);
    expect(saved.body.weights.load).toEqual({ value: 7, default: 1, from: "settings" });
    // The env's affinity still holds: saving one weight does not drop the others.
    expect(saved.body.weights.affinity.value).toBe(2);

    const second = await submitJob(app.url, app.adminToken, jobFile({ title: "after the change" }));
    expect((await factory.claim({ free: [{ engine: "shell", slots: 1 }] })).body.lease.jobId).toBe(second.id);
    const after = (await admin(`/jobs/${second.id}`)).body.decision as { terms: Terms; score: number };
    const load = after.terms.find((t) => t.name === "load")!;
    expect(load.weight).toBe(7);
    // The score is the weighted sum with the new weight in it.
    expect(after.score).toBeCloseTo(after.terms.reduce((s, t) => s + t.value * t.weight, 0), 9);
    expect(after.score).not.toBeCloseTo(before.score, 3);

    // {} clears the saved weights back to env and defaults.
    const cleared = await admin("/scheduling", { method: "PUT", json: { weights: {} } });
    expect(cleared.body.weights.load).toEqual({ value: 1, default: 1, from: "default" });
    expect(cleared.body.weights.affinity.from).toBe("env");
  });
});

describe("SLA targets", () => {
  it("a queued job past its priority's target is overdue in the list, on the job and in the metrics; others are not", async () => {
    const saved = await admin("/scheduling", { method: "PUT", json: { slaMs: { critical: 1_000 } } });
    expect(saved.body.slaMs.critical).toEqual({ value: 1_000, default: 300_000, from: "settings" });
    // No factory has this capability: both jobs stay queued.
    const manifest = { capabilities: "[has:nothing-here]" };
    const late = await submitJob(app.url, app.adminToken, jobFile({ title: "critical, waiting", manifest: { ...manifest, priority: "critical" } }));
    const calm = await submitJob(app.url, app.adminToken, jobFile({ title: "low, waiting", manifest: { ...manifest, priority: "low" } }));

    type Row = { id: string; overdue?: { byMs: number; slaMs: number } };
    let rows: Row[] = [];
    for (let i = 0; i < 100; i++) {
      rows = (await admin("/jobs?stage=queued")).body.items as Row[];
      if (rows.find((r) => r.id === late.id)?.overdue) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const lateRow = rows.find((r) => r.id === late.id)!;
    expect(lateRow.overdue?.slaMs).toBe(1_000);
    expect(lateRow.overdue!.byMs).toBeGreaterThan(0);
    expect(rows.find((r) => r.id === calm.id)?.overdue).toBeUndefined();
    expect((await admin(`/jobs/${late.id}`)).body.overdue.slaMs).toBe(1_000);
    expect((await admin(`/jobs/${calm.id}`)).body.overdue).toBeUndefined();

    const metrics = (await admin("/metrics")).body as string;
    expect(metrics).toMatch(/^fleet_queue_overdue\{priority="critical"\} 1$/m);
    expect(metrics).toMatch(/^fleet_queue_overdue\{priority="low"\} 0$/m);
    expect(metrics).toMatch(/^fleet_sla_target_seconds\{priority="critical"\} 1$/m);
    expect(metrics).toMatch(/^fleet_sla_target_seconds\{priority="low"\} 172800$/m);
  });
});
