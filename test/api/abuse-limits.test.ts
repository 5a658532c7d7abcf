import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as factoriesRoute from "@/app/api/fleet/factories/route";
import * as jobsRoute from "@/app/api/fleet/jobs/route";
import * as jobStreamRoute from "@/app/api/fleet/jobs/[id]/stream/route";
import * as claimRoute from "@/app/api/fleet/leases/claim/route";
import * as fleetStreamRoute from "@/app/api/fleet/stream/route";
import * as tokensRoute from "@/app/api/fleet/tokens/route";
import { call, factoryClient, jobFile, submitJob, type FactoryClient } from "../harness/factory";
import { startInProcess, type InProcessApp } from "../harness/in-process";

/**
 * Issue 14 §7 over real HTTP against the app's real handlers: open SSE streams per principal, waiting
 * long polls per factory, registrations per enrollment token. Each cap answers 429 `rate_limited`
 * with Retry-After, and frees up when the held requests end.
 */
let app: InProcessApp;
const STREAMS = 2;
const CLAIMS = 2;
const REGISTRATIONS = 12;

beforeAll(async () => {
  app = await startInProcess(
    {
      FLEET_MAX_STREAMS_PER_PRINCIPAL: String(STREAMS),
      FLEET_MAX_CLAIMS_PER_FACTORY: String(CLAIMS),
      FLEET_REGISTRATIONS_PER_MINUTE: String(REGISTRATIONS),
    },
    [factoriesRoute, jobsRoute, jobStreamRoute, claimRoute, fleetStreamRoute, tokensRoute],
  );
});

afterAll(async () => {
  await app?.stop();
});

const api = (p: string) => `${app.url}/api/fleet${p}`;

/** Opens an SSE stream and reads up to its first bytes; the stream stays open until `close()`. */
async function openStream(path: string, token: string) {
  const abort = new AbortController();
  const res = await fetch(api(path), { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
  if (res.status === 200) await res.body!.getReader().read();
  const body = res.status === 200 ? undefined : ((await res.json()) as { code: string; detail: string });
  return { status: res.status, retryAfter: res.headers.get("retry-after"), body, close: () => abort.abort() };
}

function registration(name: string) {
  return call(api("/factories"), {
    token: app.enrollmentToken,
    json: { name, os: "linux", arch: "x64", capabilities: ["os:linux"], stations: [{ engine: "shell", slots: 1 }], version: "0.0.0-test" },
  });
}

let factory: FactoryClient;

describe("registrations per enrollment token", () => {
  it("a burst of dozens in a minute: the first FLEET_REGISTRATIONS_PER_MINUTE get in, the rest 429 with Retry-After", async () => {
    const burst = await Promise.all(Array.from({ length: 36 }, (_, i) => registration(`burst-${i}`)));
    const ok = burst.filter((r) => r.status === 201);
    const refused = burst.filter((r) => r.status === 429);
    expect(ok).toHaveLength(REGISTRATIONS);
    expect(refused).toHaveLength(36 - REGISTRATIONS);
    expect(refused[0]!.body).toMatchObject({ code: "rate_limited", status: 429 });
    expect(refused[0]!.body.detail).toMatch(/registrations with this enrollment token: at most 12 per 60 s/);
    const wait = Number(refused[0]!.headers.get("retry-after"));
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(60);
    factory = factoryClient(app.url, ok[0]!.body.factoryId, ok[0]!.body.token);
  });
});

describe("concurrent long polls of one factory", () => {
  it("past FLEET_MAX_CLAIMS_PER_FACTORY waiting claims the next is 429; another factory and a freed slot get through", async () => {
    const abort = new AbortController();
    const waiting = Array.from({ length: CLAIMS }, () => factory.claim({ waitMs: 30_000, signal: abort.signal }).catch(() => undefined));
    // The waiting claims are in once the cap refuses the next one (no timing assumption: retry until then).
    let refused = await factory.claim({ waitMs: 0 });
    for (let i = 0; refused.status !== 429 && i < 200; i++) {
      await new Promise((r) => setTimeout(r, 25));
      refused = await factory.claim({ waitMs: 0 });
    }
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: "rate_limited" });
    expect(refused.body.detail).toMatch(/concurrent claims \(long polls\) by this factory: at most 2/);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);

    abort.abort();
    await Promise.all(waiting);
    let after = await factory.claim({ waitMs: 0 });
    for (let i = 0; after.status === 429 && i < 200; i++) {
      await new Promise((r) => setTimeout(r, 25));
      after = await factory.claim({ waitMs: 0 });
    }
    expect(after.status).toBe(204);
  });
});

describe("open event streams per principal", () => {
  it("past FLEET_MAX_STREAMS_PER_PRINCIPAL open streams (fleet and job streams alike) the next is 429; others are not affected; closing frees a slot", async () => {
    const job = await submitJob(app.url, app.adminToken, jobFile({ title: "streamed" }));
    const a = await openStream("/stream", app.adminToken);
    const b = await openStream(`/jobs/${job.id}/stream`, app.adminToken);
    expect([a.status, b.status]).toEqual([200, 200]);
    const c = await openStream("/stream", app.adminToken);
    expect(c.status).toBe(429);
    expect(c.body).toMatchObject({ code: "rate_limited" });
    expect(c.body!.detail).toMatch(/open event streams for this caller: at most 2/);
    expect(Number(c.retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await openStream(`/jobs/${job.id}/stream`, app.adminToken)).status).toBe(429);

    const viewer = await call(api("/tokens"), { token: app.adminToken, json: { name: "dash", role: "viewer" } });
    const other = await openStream("/stream", viewer.body.token);
    expect(other.status).toBe(200);
    other.close();

    a.close();
    let d = await openStream("/stream", app.adminToken);
    for (let i = 0; d.status === 429 && i < 200; i++) {
      await new Promise((r) => setTimeout(r, 25));
      d = await openStream("/stream", app.adminToken);
    }
    expect(d.status).toBe(200);
    b.close();
    d.close();
  });
});
