import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startApp, type StartedApp } from "../harness/app";
import { call, jobFile, registerFactory, submitJob } from "../harness/factory";
import { FLEET_SERIES } from "../harness/metrics-series";

/** GET /api/fleet/metrics on the built app: Prometheus text that a parser reads, with every series. */
let app: StartedApp;

beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app?.stop();
});

it("serves Prometheus text that parses and carries every series, after one job ran", async () => {
  const factory = await registerFactory(app.url, app.enrollmentToken);
  await factory.heartbeat();
  await submitJob(app.url, app.adminToken, jobFile({ title: "metrics" }));
  const claimed = await factory.claim({ waitMs: 2000 });
  expect(claimed.status).toBe(200);
  const lease = claimed.body.lease;
  await factory.complete(lease.id, lease.epoch, { outcome: "succeeded", exitCode: 0, verify: { passed: true, exitCode: 0, output: "ok" }, cost: { usd: 0.5, tokensIn: 3, tokensOut: 2 } });

  const r = await call(`${app.url}/api/fleet/metrics`, { token: app.adminToken });
  expect(r.status).toBe(200);
  expect(r.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  const families = parsePrometheusTextFormat(r.body as string);
  const names = new Set(families.map((f) => f.name));
  for (const name of FLEET_SERIES) expect(names.has(name), `series ${name}`).toBe(true);
  const granted = families.find((f) => f.name === "fleet_leases_granted_total")!;
  expect(Number(granted.metrics[0]!.value)).toBe(1);
  expect(r.body).toMatch(/^fleet_cost_usd_total\{product="default",engine="shell"\} 0\.5$/m);
  // Unauthenticated scrapes are refused.
  expect((await call(`${app.url}/api/fleet/metrics`)).status).toBe(401);
});
