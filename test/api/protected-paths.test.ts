import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as factoriesRoute from "@/app/api/fleet/factories/route";
import * as actionsRoute from "@/app/api/fleet/jobs/[id]/actions/route";
import * as eventsRoute from "@/app/api/fleet/jobs/[id]/events/route";
import * as jobRoute from "@/app/api/fleet/jobs/[id]/route";
import * as jobsRoute from "@/app/api/fleet/jobs/route";
import * as claimRoute from "@/app/api/fleet/leases/claim/route";
import * as completeRoute from "@/app/api/fleet/leases/[id]/complete/route";
import * as protectedRoute from "@/app/api/fleet/protected-paths/route";
import * as tokensRoute from "@/app/api/fleet/tokens/route";
import { call, jobFile, registerFactory, submitJob, type FactoryClient } from "../harness/factory";
import { startInProcess, type InProcessApp } from "../harness/in-process";

/**
 * Protected paths (issue 18 §4) over real HTTP against the app's real handlers and a real SQLite
 * store: an admin lists globs (validated, each error naming its field; a non-admin refused); a
 * `review-policy: auto` job whose attempt changed a protected file stops in `review` naming the file
 * and the glob, is not shipped by anything automatic, and ships when a person approves; a job that
 * touches none auto-ships as before; a product's own list adds to the fleet's.
 */
let app: InProcessApp;
let factory: FactoryClient;
let operator: string;
const api = (p: string) => `${app.url}/api/fleet${p}`;
const admin = (p: string, opts: Parameters<typeof call>[1] = {}) => call(api(p), { token: app.adminToken, ...opts });
const green = { passed: true, exitCode: 0, output: "ok" };

beforeAll(async () => {
  app = await startInProcess({}, [factoriesRoute, jobsRoute, jobRoute, actionsRoute, eventsRoute, claimRoute, completeRoute, protectedRoute, tokensRoute]);
  factory = await registerFactory(app.url, app.enrollmentToken, { name: "pp-1" });
  operator = (await admin("/tokens", { json: { name: "op", role: "operator" } })).body.token as string;
});
afterAll(async () => {
  await app?.stop();
});

/** Submits an auto job, lets the factory run it green with `changed` files, and returns its id. */
async function runAuto(title: string, changed: string[], manifest: Record<string, string> = {}): Promise<string> {
  const job = await submitJob(app.url, app.adminToken, jobFile({ title, manifest: { "review-policy": "auto", verify: "exit 0", ...manifest } }));
  const got = await factory.claim({ waitMs: 2_000 });
  expect(got.body.lease.jobId).toBe(job.id);
  const done = await factory.complete(got.body.lease.id, got.body.lease.epoch, { outcome: "succeeded", exitCode: 0, verify: green, scope: { changed, outOfScope: [] } });
  expect(done.status).toBe(200);
  return job.id;
}

describe("protected-path settings", () => {
  it("start empty, and refuse a bad glob or too many naming the field, changing nothing", async () => {
    expect((await admin("/protected-paths")).body).toEqual({ globs: [], products: {} });
    const bad = await admin("/protected-paths", { method: "PUT", json: { globs: ["infra/**", "../etc/**", "a/*(b|c)"] } });
    expect(bad.status).toBe(400);
    const paths = (bad.body.errors as { path: string; message: string }[]).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["globs[1]", "globs[2]"]));
    expect(paths).not.toContain("globs[0]");
    expect(JSON.stringify(bad.body.errors)).toMatch(/'\.\.'/);

    const many = await admin("/protected-paths", { method: "PUT", json: { globs: Array.from({ length: 51 }, (_, i) => `dir${i}/**`) } });
    expect(many.status).toBe(400);
    expect(many.body.errors[0].path).toBe("globs");
    const negated = await admin("/protected-paths", { method: "PUT", json: { products: { web: ["!docs/**"] } } });
    expect(negated.status).toBe(400);
    expect(negated.body.errors[0].path).toBe("products.web[0]");
    const unknown = await admin("/protected-paths", { method: "PUT", json: { glob: ["x/**"] } });
    expect(unknown.status).toBe(400);
    expect((await admin("/protected-paths")).body).toEqual({ globs: [], products: {} });
  });

  it("only an admin may set them; anyone signed in may read them", async () => {
    const put = await call(api("/protected-paths"), { token: operator, method: "PUT", json: { globs: ["x/**"] } });
    expect(put.status).toBe(403);
    expect((await call(api("/protected-paths"), { method: "PUT", json: { globs: ["x/**"] } })).status).toBe(401);
    expect((await call(api("/protected-paths"), { token: operator })).status).toBe(200);
    expect((await admin("/protected-paths")).body.globs).toEqual([]);
  });

  it("an admin saves the fleet's and a product's lists", async () => {
    const saved = await admin("/protected-paths", {
      method: "PUT",
      json: { globs: ["packages/shared/**", ".github/**", "package-lock.json", "./infra/**"], products: { web: ["web/config/**"] } },
    });
    expect(saved.status).toBe(200);
    // A leading ./ is dropped, as in allowed-scope.
    expect(saved.body).toMatchObject({ globs: ["packages/shared/**", ".github/**", "package-lock.json", "infra/**"], products: { web: ["web/config/**"] }, by: expect.any(String) });
    expect((await admin("/protected-paths")).body.globs).toHaveLength(4);
  });
});

describe("the gate on review-policy auto", () => {
  it("a job touching a protected path stops in review naming the file and glob; an operator's approval ships it", async () => {
    const id = await runAuto("touches shared", ["src/app.ts", "packages/shared/util.ts", ".github/workflows/ci.yml"]);
    const job = (await admin(`/jobs/${id}`)).body;
    expect(job.stage).toBe("review");
    expect(job.protectedPaths).toEqual([
      { file: ".github/workflows/ci.yml", glob: ".github/**" },
      { file: "packages/shared/util.ts", glob: "packages/shared/**" },
    ]);
    const events = (await admin(`/jobs/${id}/events`)).body.items as { type: string; data: Record<string, unknown> }[];
    const gate = events.find((e) => e.type === "gate:protected");
    expect(gate?.data.files).toEqual(job.protectedPaths);
    const stage = events.filter((e) => e.type === "stage:changed").at(-1);
    expect(String(stage?.data.cause)).toContain("packages/shared/util.ts (matched packages/shared/**)");
    expect(events.some((e) => e.type === "stage:changed" && e.data.to === "shipped")).toBe(false);

    // A viewer cannot approve; the operator (the role that reviews) does, and it ships.
    const viewer = (await admin("/tokens", { json: { name: "viewer", role: "viewer" } })).body.token as string;
    expect((await call(api(`/jobs/${id}/actions`), { token: viewer, json: { action: "approve" } })).status).toBe(403);
    expect((await admin(`/jobs/${id}`)).body.stage).toBe("review");
    const approved = await call(api(`/jobs/${id}/actions`), { token: operator, json: { action: "approve" } });
    expect(approved.status).toBe(200);
    expect(approved.body.stage).toBe("shipped");
    // The record of what the person approved stays on the shipped job.
    expect(approved.body.protectedPaths).toHaveLength(2);
  });

  it("a job touching no protected path auto-ships as before", async () => {
    const id = await runAuto("plain change", ["src/app.ts", "README.md"]);
    const job = (await admin(`/jobs/${id}`)).body;
    expect(job.stage).toBe("shipped");
    expect(job.protectedPaths).toBeUndefined();
  });

  it("a product's own glob gates that product's jobs only", async () => {
    const web = await runAuto("web config", ["web/config/prod.json"], { product: "web" });
    expect((await admin(`/jobs/${web}`)).body).toMatchObject({ stage: "review", protectedPaths: [{ file: "web/config/prod.json", glob: "web/config/**" }] });
    const other = await runAuto("same path elsewhere", ["web/config/prod.json"], { product: "api" });
    expect((await admin(`/jobs/${other}`)).body.stage).toBe("shipped");
  });

  it("manual jobs are not moved by the gate, but carry the mark", async () => {
    const job = await submitJob(app.url, app.adminToken, jobFile({ title: "manual infra", manifest: { verify: "exit 0" } }));
    const got = await factory.claim({ waitMs: 2_000 });
    await factory.complete(got.body.lease.id, got.body.lease.epoch, { outcome: "succeeded", exitCode: 0, verify: green, scope: { changed: ["infra/main.tf"], outOfScope: [] } });
    expect((await admin(`/jobs/${job.id}`)).body).toMatchObject({ stage: "testing", protectedPaths: [{ file: "infra/main.tf", glob: "infra/**" }] });
  });
});
