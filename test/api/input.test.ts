import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type StartedApp } from "../harness/app";
import { call, registerFactory, submitJob, jobFile, type FactoryClient } from "../harness/factory";

/**
 * Bad input over real HTTP: malformed bodies never produce a 5xx and always name the field; size and
 * content-type limits; and secrets planted in logs never reach the store or a stream.
 */
let app: StartedApp;
let api: string;
let factory: FactoryClient;

beforeAll(async () => {
  app = await startApp({ env: { FLEET_MAX_BODY_BYTES: "65536" } });
  api = `${app.url}/api/fleet`;
  factory = await registerFactory(app.url, app.enrollmentToken);
});
afterAll(async () => {
  await app?.stop();
});

function expectNamedProblem(r: { status: number; body: unknown }, what: string) {
  expect(r.status, `${what}: ${JSON.stringify(r.body)}`).toBeLessThan(500);
  if (r.status >= 400) {
    const errors = (r.body as { errors?: { path: string; message: string }[] }).errors;
    expect(Array.isArray(errors) && errors.length > 0 && errors.every((e) => typeof e.path === "string" && e.path.length > 0), `${what}: ${JSON.stringify(r.body)}`).toBe(true);
  }
}

const anyJson = fc.jsonValue({ maxDepth: 3 });

describe("malformed bodies", () => {
  it("POST /jobs (JSON and markdown) never 5xx and names the field", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          anyJson.map((v) => ({ json: v })),
          fc.record({ manifest: fc.dictionary(fc.constantFrom("engine", "priorty", "budget", "deps", "retry", "timeout", "x-a", "capabilities"), anyJson), body: fc.oneof(fc.string(), anyJson) }).map((v) => ({ json: v })),
          fc.string({ maxLength: 300 }).map((s) => ({ markdown: `---\n${s}\n---\n# t\n\nbody` })),
          fc.string({ maxLength: 300 }).map((s) => ({ raw: s })),
        ),
        async (input) => {
          const r =
            "json" in input
              ? await call(`${api}/jobs`, { token: app.adminToken, json: input.json })
              : "markdown" in input
                ? await call(`${api}/jobs`, { token: app.adminToken, body: input.markdown, contentType: "text/markdown" })
                : await call(`${api}/jobs`, { token: app.adminToken, body: input.raw, contentType: "application/json" });
          expectNamedProblem(r, JSON.stringify(input).slice(0, 200));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("factory routes never 5xx and name the field", async () => {
    const routes = [
      { method: "PUT", path: `/factories/${factory.factoryId}/heartbeat` },
      { method: "POST", path: "/leases/claim" },
      { method: "POST", path: "/leases/L.f-00.j-00.00/renew" },
      { method: "POST", path: "/leases/L.f-00.j-00.00/events" },
      { method: "POST", path: "/leases/L.f-00.j-00.00/complete" },
      { method: "POST", path: "/factories" },
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), fc.oneof(anyJson, fc.record({ epoch: anyJson, events: fc.array(anyJson, { maxLength: 3 }), factoryId: anyJson, free: anyJson, outcome: anyJson })), async (route, body) => {
        const token = route.path === "/factories" ? app.enrollmentToken : factory.token;
        const r = await call(`${api}${route.path}`, { method: route.method, token, json: body });
        expect(r.status).toBeLessThan(500);
        if (r.status === 400) expectNamedProblem(r, `${route.path} ${JSON.stringify(body)}`);
      }),
      { numRuns: 80 },
    );
  });

  it("malformed JSON is 400 naming (body); wrong type 415; oversized 413", async () => {
    const bad = await call(`${api}/leases/claim`, { token: factory.token, body: "{nope", contentType: "application/json" });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe("(body)");
    expect(bad.headers.get("content-type")).toMatch(/application\/problem\+json/);
    expect((await call(`${api}/leases/claim`, { token: factory.token, body: "x", contentType: "text/plain" })).status).toBe(415);
    const big = await call(`${api}/jobs`, { token: app.adminToken, body: "# big\n\n" + "x".repeat(70_000), contentType: "text/markdown" });
    expect(big.status).toBe(413);
    const field = await call(`${api}/leases/claim`, { token: factory.token, json: { factoryId: factory.factoryId, free: [{ engine: "shell", slots: -1 }] } });
    expect(field.status).toBe(400);
    expect(field.body.errors[0].path).toBe("free[0].slots");
  });
});

describe("secrets in logs", () => {
  const GHP = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";
  const AWS = "AKIA" + "QWERTYUIOPASDFGH";
  const ANTHROPIC = "sk-ant-" + "api03-Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1Ji0";

  it("plain, base64 and split secrets are never stored or streamed", async () => {
    const job = await submitJob(app.url, app.adminToken, jobFile({ title: "leaky", manifest: { priority: "critical" } }));
    const { body } = await factory.claim({ waitMs: 3000 });
    expect(body.lease.jobId).toBe(job.id);
    const { id, epoch } = body.lease;
    const half = Math.floor(AWS.length / 2);
    const chunks = [
      `token found: ${GHP}\n`,
      `encoded: ${Buffer.from(`ANTHROPIC_API_KEY=${ANTHROPIC}`).toString("base64")}\n`,
      `split: ${AWS.slice(0, half)}`,
      `${AWS.slice(half)} done\n`,
      "END-MARKER\n",
    ];
    const r = await factory.events(id, epoch, chunks.map((text, i) => ({ seq: i + 1, type: "log", stream: "stdout", text })));
    expect(r.status).toBe(200);
    expect((await factory.complete(id, epoch, { outcome: "succeeded", exitCode: 0, verify: { passed: true, exitCode: 0, output: `key ${GHP}` } })).status).toBe(200);

    // Streamed: read the job's SSE until the end marker arrives.
    const ctl = new AbortController();
    const res = await fetch(`${api}/jobs/${job.id}/stream`, { headers: { authorization: `Bearer ${app.adminToken}` }, signal: ctl.signal });
    const reader = res.body!.getReader();
    let seen = "";
    while (!seen.includes("END-MARKER")) {
      const { done, value } = await reader.read();
      if (done) break;
      seen += new TextDecoder().decode(value);
    }
    ctl.abort();
    expect(seen).toContain("split:");
    for (const secret of [GHP, AWS, ANTHROPIC, Buffer.from(`ANTHROPIC_API_KEY=${ANTHROPIC}`).toString("base64")]) {
      expect(seen).not.toContain(secret);
    }
    // Stored: nothing in the job's events either.
    const events = await call(`${api}/jobs/${job.id}`, { token: app.adminToken });
    expect(JSON.stringify(events.body)).not.toContain(GHP);
    // And not in any byte the store wrote (SQLite keeps text as UTF-8: database, WAL and all).
    for (const file of readdirSync(app.dataDir)) {
      const bytes = readFileSync(path.join(app.dataDir, file)).toString("latin1");
      for (const secret of [GHP, AWS, ANTHROPIC]) expect(bytes.includes(secret), `${secret} in ${file}`).toBe(false);
    }
  });
});
