import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type StartedApp } from "../harness/app";
import { call, jobFile, registerFactory, submitJob, type FactoryClient } from "../harness/factory";

/**
 * The scheduler on the live claim path, over real HTTP against the built app: capability routing
 * with its pending explanation, engine-class resolution through a profile's prefers-engine, the
 * decision:made event, and preemption. Each case gives its jobs a capability only its own factories
 * have, so the cases share one app without taking each other's work.
 */
let app: StartedApp;
let api: string;

beforeAll(async () => {
  app = await startApp();
  api = `${app.url}/api/fleet`;
});
afterAll(async () => {
  await app?.stop();
});

const get = (path: string) => call(`${api}${path}`, { token: app.adminToken });

async function eventsOf(jobId: string): Promise<{ type: string; data: Record<string, unknown> }[]> {
  return (await get(`/jobs/${jobId}/events`)).body.items;
}

/** Polls until `check` holds (the sweeper acts on its own period); fails with the last value. */
async function until<T>(read: () => Promise<T>, check: (v: T) => boolean, tries = 100): Promise<T> {
  let v = await read();
  for (let i = 0; i < tries && !check(v); i++) {
    await new Promise((r) => setTimeout(r, 100));
    v = await read();
  }
  return v;
}

describe("capability routing and pending reasons", () => {
  it("never gives a has:xcode job to a factory without it, and GET /jobs/{id} names each factory's failed constraint", async () => {
    const linux = await registerFactory(app.url, app.enrollmentToken, { name: "linux-a", capabilities: ["os:linux"] });
    const mac = await registerFactory(app.url, app.enrollmentToken, { name: "mac-a", capabilities: ["os:linux", "has:xcode"] });
    expect((await call(`${api}/factories/${mac.factoryId}/drain`, { token: app.adminToken, method: "POST" })).status).toBe(200);
    const job = await submitJob(app.url, app.adminToken, jobFile({ title: "needs xcode", manifest: { capabilities: "[has:xcode]" } }));

    // The factory without xcode is offered nothing, however often it asks.
    for (let i = 0; i < 3; i++) expect((await linux.claim()).status).toBe(204);

    const shown = await get(`/jobs/${job.id}`);
    expect(shown.body.stage).toBe("queued");
    const pending = shown.body.pending;
    expect(pending.blocked).toBe(true);
    expect(pending.sentence).toContain("has:xcode");
    const byName = new Map<string, { code: string; detail: string }[]>(
      pending.factories.map((f: { name: string; reasons: { code: string; detail: string }[] }) => [f.name, f.reasons]),
    );
    expect(byName.get("linux-a")!.map((r) => r.code)).toContain("capability_missing");
    expect(byName.get("linux-a")!.map((r) => r.detail).join(" ")).toContain("has:xcode");
    expect(byName.get("mac-a")!.map((r) => r.code)).toContain("factory_draining");
    expect(pending.counts.capability_missing).toBeGreaterThanOrEqual(1);
    expect(shown.body.pendingReason).toBe(pending.sentence);

    // The job list carries the compact reason too.
    const list = await get(`/jobs?stage=queued&limit=500`);
    const row = list.body.items.find((j: { id: string }) => j.id === job.id);
    expect(row.pendingReason).toContain("has:xcode");

    // A claim attempt that got nothing recorded no decision on the job.
    expect((await eventsOf(job.id)).map((e) => e.type)).not.toContain("decision:made");
  });
});

describe("engine-class through a profile", () => {
  let factory: FactoryClient;
  let firstJob: string;

  it("a job with only engine-class + profile gets the first prefers-engine the factory has free, in the claim", async () => {
    // backend-engineer: engine-class agentic-coder, prefers-engine [codex, claude], capabilities [has:git].
    factory = await registerFactory(app.url, app.enrollmentToken, {
      name: "coder-b",
      capabilities: ["os:linux", "has:git", "has:engine-test"],
      stations: [
        { engine: "codex", slots: 1 },
        { engine: "claude", slots: 1 },
      ],
    });
    const text = (title: string) =>
      `---\nprofile: backend-engineer\nengine-class: agentic-coder\ncapabilities: [has:engine-test]\n---\n# ${title}\n\nAdd the endpoint.\n`;
    const a = await submitJob(app.url, app.adminToken, text("engine class a"));
    firstJob = a.id;
    expect((await get(`/jobs/${a.id}`)).body.manifest.engine).toBeUndefined();

    // codex (preferred) is busy: claude, the next preference that is free.
    const first = await factory.claim({ free: [{ engine: "codex", slots: 0 }, { engine: "claude", slots: 1 }] });
    expect(first.status).toBe(200);
    expect(first.body.lease.jobId).toBe(a.id);
    expect(first.body.engine).toBe("claude");
    expect(first.body.job.profile.name).toBe("backend-engineer");
    expect((await get(`/jobs/${a.id}`)).body.lease.engine).toBe("claude");

    // Both free: codex, the profile's first choice.
    const b = await submitJob(app.url, app.adminToken, text("engine class b"));
    const second = await factory.claim({ free: [{ engine: "codex", slots: 1 }, { engine: "claude", slots: 0 }] });
    expect(second.status).toBe(200);
    expect(second.body.lease.jobId).toBe(b.id);
    expect(second.body.engine).toBe("codex");
  });

  it("records decision:made with the candidates considered, their score terms, and the winner", async () => {
    const events = await eventsOf(firstJob);
    const made = events.find((e) => e.type === "decision:made");
    expect(made).toBeDefined();
    const d = made!.data as {
      kind: string;
      factoryId: string;
      engine: string;
      terms: { name: string; value: number; weight: number }[];
      candidates: { factoryId: string; engine: string; score: number; terms: { name: string }[] }[];
      pull: { rank: number; eligible: number };
    };
    expect(d.kind).toBe("placed");
    expect(d.factoryId).toBe(factory.factoryId);
    expect(d.engine).toBe("claude");
    expect(d.terms.map((t) => t.name)).toEqual(expect.arrayContaining(["capability-fit", "affinity", "load", "health", "starvation", "fairness"]));
    expect(d.candidates[0]!.factoryId).toBe(factory.factoryId);
    expect(d.candidates[0]!.terms.length).toBe(d.terms.length);
    expect(d.pull.rank).toBeGreaterThanOrEqual(1);
    // The same explanation is stored on the job.
    const job = (await get(`/jobs/${firstJob}`)).body;
    expect(job.decision.factoryId).toBe(factory.factoryId);
    expect(job.decision.terms).toEqual(d.terms);
  });
});

describe("preemption", () => {
  it("a critical job that no free station can take preempts a low one: requeued, no attempt counted, its lease refused", async () => {
    const d = await registerFactory(app.url, app.enrollmentToken, { name: "lab-d", capabilities: ["os:linux", "has:preempt-lab"], stations: [{ engine: "shell", slots: 1 }] });
    const low = await submitJob(app.url, app.adminToken, jobFile({ title: "low work", manifest: { capabilities: "[has:preempt-lab]", priority: "low" } }));
    const claimed = await d.claim();
    expect(claimed.status).toBe(200);
    expect(claimed.body.lease.jobId).toBe(low.id);
    const lease = claimed.body.lease;
    expect((await d.renew(lease.id, lease.epoch)).status).toBe(200);

    const critical = await submitJob(app.url, app.adminToken, jobFile({ title: "hotfix", manifest: { capabilities: "[has:preempt-lab]", priority: "critical" } }));
    // The sweeper (and any empty claim) looks for preemptions; wait for it to act.
    const victim = await until(() => get(`/jobs/${low.id}`), (r) => r.body.lease?.cancelled === true);
    expect(victim.body.stage).toBe("queued");
    expect(victim.body.attempts).toBe(0);
    expect(victim.body.pendingReason).toContain(`preempted by ${critical.id}`);

    // The agent learns it through renew (409 cancelled) and the heartbeat's cancel list.
    const renewed = await d.renew(lease.id, lease.epoch);
    expect(renewed.status).toBe(409);
    expect(renewed.body.code).toBe("cancelled");
    const hb = await d.heartbeat({ free: [], running: [{ leaseId: lease.id, epoch: lease.epoch }] });
    expect(hb.body.cancel).toContain(lease.id);

    const lowEvents = await eventsOf(low.id);
    const preempted = lowEvents.find((e) => e.type === "lease:preempted");
    expect(preempted?.data).toMatchObject({ leaseId: lease.id, reason: "preempted", by: critical.id });
    const critEvents = await eventsOf(critical.id);
    expect(critEvents.find((e) => e.type === "preemption:made")?.data).toMatchObject({ kind: "preempt", victimJobId: low.id, leaseId: lease.id });

    // The agent stops the engine and reports; the low job stays queued with no attempt counted.
    expect((await d.complete(lease.id, lease.epoch, { outcome: "cancelled" })).status).toBe(200);
    const after = (await get(`/jobs/${low.id}`)).body;
    expect(after.stage).toBe("queued");
    expect(after.attempts).toBe(0);
    expect(after.lease).toBeUndefined();

    // The freed station goes to the critical job, not back to the low one.
    const next = await d.claim();
    expect(next.status).toBe(200);
    expect(next.body.lease.jobId).toBe(critical.id);
    // Only one job was ever preempted for it.
    expect((await eventsOf(low.id)).filter((e) => e.type === "lease:preempted")).toHaveLength(1);
  });
});
