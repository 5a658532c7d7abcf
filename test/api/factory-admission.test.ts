import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as enrollmentTokenRoute from "@/app/api/fleet/enrollment-tokens/[id]/route";
import * as enrollmentTokensRoute from "@/app/api/fleet/enrollment-tokens/route";
import * as approveRoute from "@/app/api/fleet/factories/[id]/approve/route";
import * as heartbeatRoute from "@/app/api/fleet/factories/[id]/heartbeat/route";
import * as revokeRoute from "@/app/api/fleet/factories/[id]/revoke/route";
import * as factoriesRoute from "@/app/api/fleet/factories/route";
import * as jobsRoute from "@/app/api/fleet/jobs/route";
import * as claimRoute from "@/app/api/fleet/leases/claim/route";
import { main, type CliIo } from "@/server/cli/fleet";
import { call, factoryClient, jobFile, submitJob } from "../harness/factory";
import { startInProcess, type InProcessApp } from "../harness/in-process";

/**
 * Issue 14 §7 over real HTTP against the app's real handlers: factory names are unique (409 naming
 * the holder), FLEET_APPROVE_NEW_FACTORIES holds a new factory (no work) until an admin approves it,
 * and stored enrollment tokens carry an expiry and a use count, each rate-limited on its own.
 */
let app: InProcessApp;
const PER_MINUTE = 4;

beforeAll(async () => {
  app = await startInProcess({ FLEET_APPROVE_NEW_FACTORIES: "1", FLEET_REGISTRATIONS_PER_MINUTE: String(PER_MINUTE) }, [
    enrollmentTokenRoute, enrollmentTokensRoute, approveRoute, heartbeatRoute, revokeRoute, factoriesRoute, jobsRoute, claimRoute,
  ]);
});

afterAll(async () => {
  await app?.stop();
});

const api = (p: string) => `${app.url}/api/fleet${p}`;
const admin = (path: string, json?: unknown, method?: string) =>
  call(api(path), { token: app.adminToken, ...(json !== undefined ? { json } : {}), ...(method ? { method } : {}) });

function register(name: string, token = app.enrollmentToken) {
  return call(api("/factories"), {
    token,
    json: { name, os: "linux", arch: "x64", capabilities: ["os:linux"], stations: [{ engine: "shell", slots: 1 }], version: "0.0.0-test" },
  });
}

describe("unique factory names", () => {
  it("a second factory cannot take a name a live one holds (409 naming the holder, any case); after a revoke it can", async () => {
    const first = await register("mac-1");
    expect(first.status).toBe(201);
    const second = await register("MAC-1");
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: "conflict", reason: "name_taken", factoryId: first.body.factoryId });
    expect(second.body.detail).toContain(`the factory name "MAC-1" is taken by factory ${first.body.factoryId}`);
    expect(second.body.detail).toContain("prefers: factory:MAC-1");
    expect(second.body.errors).toEqual([{ path: "name", message: `"MAC-1" is taken by ${first.body.factoryId}` }]);
    expect((await admin(`/factories/${first.body.factoryId}/revoke`, {})).status).toBe(200);
    expect((await register("mac-1")).status).toBe(201);
  });
});

describe("approve new factory", () => {
  it("a new factory is pending and gets no work until an admin approves it", async () => {
    const job = await submitJob(app.url, app.adminToken, jobFile({ title: "waits for an approved factory" }));
    const r = await register("held-1");
    expect(r.status).toBe(201);
    const f = factoryClient(app.url, r.body.factoryId, r.body.token);
    const listed = (await admin("/factories")).body.items.find((x: { id: string }) => x.id === f.factoryId);
    expect(listed).toMatchObject({ status: "pending", health: "pending" });
    expect((await f.heartbeat()).status).toBe(200);
    expect((await f.claim({ waitMs: 0 })).status).toBe(204);

    const approved = await admin(`/factories/${f.factoryId}/approve`, {});
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ id: f.factoryId, status: "online" });
    const lease = await f.claim({ waitMs: 0 });
    expect(lease.status).toBe(200);
    expect(lease.body.job.id).toBe(job.id);
    const again = await admin(`/factories/${f.factoryId}/approve`, {});
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/not awaiting approval/);
    expect((await admin("/factories/f-nope/approve", {})).status).toBe(404);
    expect((await call(api(`/factories/${f.factoryId}/approve`), { token: f.token, json: {} })).status).toBe(403);
  });
});

describe("stored enrollment tokens", () => {
  it("a token good for 2 registrations registers twice, then 403; the list shows uses and state, never the secret", async () => {
    const made = await admin("/enrollment-tokens", { name: "lab rack", maxUses: 2 });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ name: "lab rack", maxUses: 2, uses: 0, state: "active", createdBy: "admin-token" });
    expect(made.body.token).toMatch(/^gfe_/);
    expect((await register("lab-1", made.body.token)).status).toBe(201);
    expect((await register("lab-2", made.body.token)).status).toBe(201);
    const third = await register("lab-3", made.body.token);
    expect(third.status).toBe(403);
    expect(third.body.detail).toMatch(/no registrations left/);
    const listed = (await admin("/enrollment-tokens")).body.items.find((t: { id: string }) => t.id === made.body.id);
    expect(listed).toMatchObject({ uses: 2, state: "used_up" });
    expect(JSON.stringify((await admin("/enrollment-tokens")).body)).not.toContain(made.body.token);
  });

  it("an expired token is refused (403 saying so); a revoked one is unknown (401)", async () => {
    const brief = await admin("/enrollment-tokens", { name: "brief", expiresIn: "1s" });
    expect(brief.status).toBe(201);
    expect(Date.parse(brief.body.expiresAt) - Date.parse(brief.body.createdAt)).toBe(1_000);
    await new Promise((r) => setTimeout(r, 1_100));
    const late = await register("late-1", brief.body.token);
    expect(late.status).toBe(403);
    expect(late.body.detail).toMatch(/has expired/);

    const open = await admin("/enrollment-tokens", { name: "open" });
    const revoked = await admin(`/enrollment-tokens/${open.body.id}`, undefined, "DELETE");
    expect(revoked.body).toMatchObject({ state: "revoked" });
    expect((await register("gone-1", open.body.token)).status).toBe(401);
    expect((await admin("/enrollment-tokens/e-nope", undefined, "DELETE")).status).toBe(404);
  });

  it("bad settings are a 400 naming the field", async () => {
    const zero = await admin("/enrollment-tokens", { name: "x", maxUses: 0 });
    expect(zero.status).toBe(400);
    expect(zero.body.errors.map((e: { path: string }) => e.path)).toEqual(["maxUses"]);
    const vague = await admin("/enrollment-tokens", { name: "x", expiresIn: "soon" });
    expect(vague.status).toBe(400);
    expect(vague.body.errors[0]).toMatchObject({ path: "expiresIn" });
    expect(vague.body.errors[0].message).toMatch(/duration like/);
  });

  it("registrations are rate-limited per token: one token's burst does not throttle another", async () => {
    const a = (await admin("/enrollment-tokens", { name: "burst a" })).body.token as string;
    const b = (await admin("/enrollment-tokens", { name: "burst b" })).body.token as string;
    const burst = await Promise.all(Array.from({ length: PER_MINUTE + 6 }, (_, i) => register(`a-${i}`, a)));
    expect(burst.filter((r) => r.status === 201)).toHaveLength(PER_MINUTE);
    expect(burst.filter((r) => r.status === 429)).toHaveLength(6);
    expect((await register("b-1", b)).status).toBe(201);
  });
});

describe("fleet enrollment-tokens", () => {
  async function fleet(...args: string[]) {
    let out = "";
    let err = "";
    const io: CliIo = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), cwd: process.cwd(), env: { FLEET_SERVER: app.url, FLEET_TOKEN: app.adminToken } };
    const code = await main(args, io);
    return { code, out, err };
  }

  it("creates a token with an expiry and a use count (printed once), lists it and revokes it", async () => {
    const made = await fleet("enrollment-tokens", "create", "build", "farm", "--expires", "7d", "--uses", "3");
    expect(made.code).toBe(0);
    const token = /token \(shown once\): (gfe_\S+)/.exec(made.out)?.[1];
    const id = /^(e-\S+)/.exec(made.out)?.[1];
    expect(token).toBeDefined();
    expect(made.out).toMatch(/active\s+0\/3 uses\s+until \S+\s+build farm/);
    expect((await register("cli-1", token)).status).toBe(201);
    const ls = await fleet("enrollment-tokens", "ls");
    expect(ls.out).toMatch(new RegExp(`${id}\\s+active\\s+1/3 uses`));
    expect(ls.out).not.toContain(token!);
    expect((await fleet("enrollment-tokens", "revoke", id!)).out).toMatch(/revoked/);
    expect((await register("cli-2", token)).status).toBe(401);
    const bad = await fleet("enrollment-tokens", "create", "x", "--uses", "many");
    expect([bad.code, bad.err]).toEqual([1, expect.stringContaining("--uses must be a whole number")]);
    const vague = await fleet("enrollment-tokens", "create", "x", "--expires", "soon");
    expect(vague.code).toBe(1);
    expect(vague.err).toMatch(/expiresIn: .*duration like/);
  });
});
