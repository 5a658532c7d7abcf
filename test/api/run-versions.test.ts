import { afterAll, beforeAll, expect, it } from "vitest";
import * as heartbeatRoute from "@/app/api/fleet/factories/[id]/heartbeat/route";
import * as factoriesRoute from "@/app/api/fleet/factories/route";
import * as jobRoute from "@/app/api/fleet/jobs/[id]/route";
import * as jobsRoute from "@/app/api/fleet/jobs/route";
import * as completeRoute from "@/app/api/fleet/leases/[id]/complete/route";
import * as claimRoute from "@/app/api/fleet/leases/claim/route";
import { call, jobFile, registerFactory, submitJob } from "../harness/factory";
import { startInProcess, type InProcessApp } from "../harness/in-process";

/**
 * Engine and tool versions per attempt (issue 13 §9), over real HTTP against the app's handlers and
 * a real SQLite store: each run keeps the versions its factory advertised when it claimed (the
 * Cosmos provider is held to the same by the store contract suite), and GET /jobs/{id} shows them.
 */
let app: InProcessApp;

beforeAll(async () => {
  app = await startInProcess({}, [factoriesRoute, heartbeatRoute, jobsRoute, jobRoute, claimRoute, completeRoute]);
});
afterAll(async () => {
  await app?.stop();
});

it("each attempt records the engine's version and the tools advertised at its claim; a later upgrade changes only later attempts", async () => {
  const stations = [{ engine: "claude", slots: 1 }];
  const caps = ["os:linux", "engine:claude", "claude:2.1.4", "node:20.11.1", "git:2.43.0", "has:git", "cred:anthropic", "team:web"];
  const factory = await registerFactory(app.url, app.enrollmentToken, { name: "v-1", capabilities: caps, stations });
  const get = async (id: string) => (await call(`${app.url}/api/fleet/jobs/${id}`, { token: app.adminToken })).body;

  const first = await submitJob(app.url, app.adminToken, jobFile({ title: "on 2.1.4", manifest: { engine: "claude" } }));
  const a = await factory.claim();
  expect(a.body.lease.jobId).toBe(first.id);
  expect((await factory.complete(a.body.lease.id, a.body.lease.epoch, { outcome: "succeeded", exitCode: 0 })).status).toBe(200);

  // The factory upgrades its engine and node, and says so in a heartbeat.
  const upgraded = caps.map((c) => (c === "claude:2.1.4" ? "claude:2.2.0" : c === "node:20.11.1" ? "node:22.3.0" : c));
  expect((await factory.heartbeat({ capabilities: upgraded } as never)).status).toBe(200);
  const second = await submitJob(app.url, app.adminToken, jobFile({ title: "on 2.2.0", manifest: { engine: "claude" } }));
  const b = await factory.claim();
  expect(b.body.lease.jobId).toBe(second.id);

  const before = (await get(first.id)).runs;
  expect(before).toHaveLength(1);
  expect(before[0].versions).toEqual({ engine: "2.1.4", tools: { claude: "2.1.4", node: "20.11.1", git: "2.43.0" } });
  // The running attempt shows its versions already; the finished one kept its own.
  const after = (await get(second.id)).runs;
  expect(after[0].versions).toEqual({ engine: "2.2.0", tools: { claude: "2.2.0", node: "22.3.0", git: "2.43.0" } });
  expect((await get(first.id)).runs[0].versions.engine).toBe("2.1.4");
});

it("a shell attempt has no engine version, only the tools", async () => {
  const factory = await registerFactory(app.url, app.enrollmentToken, { name: "v-shell", capabilities: ["os:linux", "node:20.11.1"] });
  const job = await submitJob(app.url, app.adminToken, jobFile({ title: "shell", manifest: { capabilities: "[node>=20]" } }));
  const c = await factory.claim();
  expect(c.body.lease.jobId).toBe(job.id);
  const runs = (await call(`${app.url}/api/fleet/jobs/${job.id}`, { token: app.adminToken })).body.runs;
  expect(runs[0].versions).toEqual({ tools: { node: "20.11.1" } });
});
