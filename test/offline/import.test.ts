/**
 * Issue 17 §3, `POST /api/fleet/runs/import` over real HTTP (the app's route handlers, real SQLite):
 * a folder-queue run becomes a job with one completed attempt in the stage the coordinator's rules
 * give it; the idempotency key decides duplicates and conflicts; forged runs are refused, naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, registerFactory, submitJob, type FactoryClient } from "../harness/factory";
import { startInProcess, type InProcessApp } from "../harness/in-process";
import { OFFLINE_EDGE_ROUTES } from "./routes";

let app: InProcessApp;
let f: FactoryClient;
let n = 0;
beforeAll(async () => {
  app = await startInProcess({}, OFFLINE_EDGE_ROUTES);
  f = await registerFactory(app.url, app.enrollmentToken);
});
afterAll(async () => {
  await app?.stop();
});

const lease = () => `off-${(++n).toString(36)}-${"0123abcd"}`;
const file = (extra = "", script = "echo hi") => `---\nengine: shell\n${extra}---\n# imported\n\n${script}\n`;
const doImport = (body: unknown, token = f.token) => call(`${app.url}/api/fleet/runs/import`, { token, json: body });
const eventsOf = async (id: string): Promise<{ type: string; data: Record<string, unknown> }[]> => (await call(`${app.url}/api/fleet/jobs/${id}/events`, { token: app.adminToken })).body.items;
const green = {
  events: [
    { seq: 1, type: "stage", stage: "building" },
    { seq: 2, type: "log", stream: "stdout", text: "hi\n" },
    { seq: 3, type: "verify", passed: true, exitCode: 0, output: "ok" },
    { seq: 4, type: "scope", changed: [], outOfScope: [] },
  ],
  complete: { outcome: "succeeded", exitCode: 0, verify: { passed: true, exitCode: 0, output: "ok" }, scope: { changed: [], outOfScope: [] } },
};

describe("POST /runs/import", () => {
  it("records a folder run as a job with a completed attempt, in the stage the rules give; a re-sent import is the same job", async () => {
    const body = { file: "a.md", text: file('verify: "true"\n'), leaseId: lease(), engine: "shell", attempt: green };
    const r = await doImport(body);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ stage: "testing", duplicate: false });
    const job = (await call(`${app.url}/api/fleet/jobs/${r.body.jobId}`, { token: app.adminToken })).body;
    expect(job.stage).toBe("testing");
    expect(job.runs).toHaveLength(1);
    expect(job.runs[0]).toMatchObject({ outcome: "succeeded", factoryId: f.factoryId });
    const types = (await eventsOf(r.body.jobId)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(["job:submitted", "lease:granted", "run:started", "verify:passed", "scope:reported", "run:completed", "run:imported"]));
    const logs = await call(`${app.url}/api/fleet/jobs/${r.body.jobId}/logs`, { token: app.adminToken });
    expect(String(logs.body)).toContain("hi");

    const again = await doImport(body);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ jobId: r.body.jobId, stage: "testing", duplicate: false });
    expect((await eventsOf(r.body.jobId)).filter((e) => e.type === "run:imported")).toHaveLength(1);
  });

  it("a failed verify follows the job's retry policy like an online attempt", async () => {
    const r = await doImport({
      text: file('verify: "false"\nretry: { max: 0 }\n'),
      leaseId: lease(),
      engine: "shell",
      attempt: { events: [], complete: { outcome: "succeeded", exitCode: 0, verify: { passed: false, exitCode: 1, output: "no" } } },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.stage).toBe("failed");
  });

  it("same idempotency key and content already run online: attached as a duplicate, nothing runs again", async () => {
    const text = file("idempotency-key: online-first\n");
    const online = await submitJob(app.url, app.adminToken, text);
    const r = await doImport({ text, leaseId: lease(), engine: "shell", attempt: { events: [], complete: { outcome: "succeeded", exitCode: 0 } } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({ jobId: online.id, stage: "queued", duplicate: true });
    const job = (await call(`${app.url}/api/fleet/jobs/${online.id}`, { token: app.adminToken })).body;
    expect(job.runs ?? []).toHaveLength(0);
    expect((await eventsOf(online.id)).find((e) => e.type === "run:imported")?.data).toMatchObject({ duplicate: true, factoryId: f.factoryId });
  });

  it("same key, other content: refused with 409 and nothing recorded", async () => {
    await submitJob(app.url, app.adminToken, file("idempotency-key: taken\n"));
    const r = await doImport({ text: file("idempotency-key: taken\n", "echo other"), leaseId: lease(), engine: "shell", attempt: { events: [], complete: { outcome: "succeeded", exitCode: 0 } } });
    expect(r.status).toBe(409);
    expect(r.body.detail).toMatch(/idempotency key "taken" was used for different content/);
  });

  it("forged runs and bad bodies are refused, naming the field", async () => {
    const other = await registerFactory(app.url, app.enrollmentToken);
    const base = { text: file('verify: "true"\n'), leaseId: lease(), engine: "shell", attempt: green };
    const foreign = `L.${other.factoryId}.j-0123456789ab.abcdef`;
    expect((await doImport({ ...base, leaseId: foreign })).status).toBe(403);
    const own = await doImport({ ...base, leaseId: `L.${f.factoryId}.j-0123456789ab.abcdef` });
    expect(own.status).toBe(400);
    expect(own.body.errors[0].path).toBe("leaseId");
    const exit = await doImport({ ...base, attempt: { events: [], complete: { outcome: "succeeded", exitCode: 3 } } });
    expect(exit.status).toBe(400);
    expect(exit.body.errors[0].path).toBe("attempt.complete.exitCode");
    const noVerify = await doImport({ ...base, text: file(), attempt: green });
    expect(noVerify.status).toBe(400);
    expect(noVerify.body.errors[0].path).toBe("attempt.complete.verify");
    const extra = await doImport({ ...base, stage: "shipped" });
    expect(extra.status).toBe(400);
    expect(JSON.stringify(extra.body.errors)).toMatch(/stage/);
    const big = await doImport({ ...base, text: "x".repeat(300 * 1024) });
    expect([400, 413]).toContain(big.status);
    // Not a factory: an operator token cannot import.
    expect((await doImport(base, app.adminToken)).status).toBe(403);
    const jobs = (await call(`${app.url}/api/fleet/jobs?limit=100`, { token: app.adminToken })).body.items;
    expect(jobs.some((j: { title: string; stage: string }) => j.stage === "shipped")).toBe(false);
  });

  it("without attempt: an inbox job handed over unrun is queued here; a re-send is the same job; the key decides duplicates and conflicts", async () => {
    const leaseId = lease();
    const text = file("", "echo handed over");
    const r = await doImport({ file: "waiting.md", text, leaseId });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ stage: "queued", duplicate: false });
    const job = (await call(`${app.url}/api/fleet/jobs/${r.body.jobId}`, { token: app.adminToken })).body;
    expect(job.runs ?? []).toHaveLength(0);
    expect((await eventsOf(r.body.jobId)).find((e) => e.type === "job:submitted")?.data.by).toMatch(/^factory:.*folder inbox/);
    // Re-sent (the agent crashed before it let go of the file): the same job, nothing new.
    expect((await doImport({ file: "waiting.md", text, leaseId })).body).toEqual({ jobId: r.body.jobId, stage: "queued", duplicate: true });

    const keyed = file("idempotency-key: handed-twice\n");
    const online = await submitJob(app.url, app.adminToken, keyed);
    expect((await doImport({ text: keyed, leaseId: lease() })).body).toEqual({ jobId: online.id, stage: "queued", duplicate: true });
    const clash = await doImport({ text: file("idempotency-key: handed-twice\n", "echo other"), leaseId: lease() });
    expect(clash.status).toBe(409);
    expect(clash.body.detail).toMatch(/idempotency key "handed-twice" was used for different content/);
    // An attempt still names its engine.
    const noEngine = await doImport({ text, leaseId: lease(), attempt: green });
    expect(noEngine.status).toBe(400);
    expect(noEngine.body.errors[0].path).toBe("engine");
    // A coordinator lease cannot be used to hand a job over either.
    expect((await doImport({ text, leaseId: `L.${f.factoryId}.j-0123456789ab.abcdef` })).status).toBe(400);
  });
});
