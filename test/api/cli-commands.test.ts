import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTE_MODULES } from "@/app/api/fleet/openapi.json/routes";
import { CLI_TABLE } from "@/server/cli/commands-table";
import { services } from "@/server/wiring";
import { main, type CliIo } from "@/server/cli/fleet";
import { startInProcess, type InProcessApp } from "../harness/in-process";
import { jobFile, registerFactory, submitJob } from "../harness/factory";

/**
 * The `fleet` commands added for web parity (issue 18 §1), each against the real route handlers over
 * real HTTP (in-process harness, real SQLite), with the tokens and roles the API enforces: what they
 * print, what `--json` prints (the API's body), how a refusal by role reads, and that bad flags are
 * named before anything is sent.
 */
let app: InProcessApp;
let dir: string;
let sink: Server;
let sinkUrl: string;
const received: string[] = [];

beforeAll(async () => {
  app = await startInProcess({}, Object.values(ROUTE_MODULES) as never);
  dir = mkdtempSync(path.join(os.tmpdir(), "gf-cli-parity-"));
  sink = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push(body);
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
  sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  await app?.stop();
  await new Promise((r) => sink?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

async function fleet(args: string[], token: string = app.adminToken) {
  let out = "";
  let err = "";
  const io: CliIo = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), cwd: dir, env: { FLEET_SERVER: app.url, FLEET_TOKEN: token } };
  const code = await main(args, io);
  return { code, out, err };
}
const json = async (args: string[], token?: string) => {
  const r = await fleet([...args, "--json"], token);
  expect(r.err, args.join(" ")).toBe("");
  expect(r.code, args.join(" ")).toBe(0);
  return JSON.parse(r.out);
};
const submit = (title: string, manifest: Record<string, string> = {}) => submitJob(app.url, app.adminToken, jobFile({ title, manifest }));
const stageOf = async (id: string) => JSON.parse((await fleet(["show", id])).out).stage as string;

async function tokenFor(role: string): Promise<string> {
  const t = await json(["tokens", "create", `${role} bot`, "--role", role]);
  expect(t).toMatchObject({ role, name: `${role} bot`, token: expect.any(String) });
  return t.token as string;
}

describe("fleet parity commands against the real routes", () => {
  it("tokens: create with a role (token shown once), list, revoke; a revoked token is refused", async () => {
    const human = await fleet(["tokens", "create", "ci", "robot", "--role", "operator"]);
    expect(human.code).toBe(0);
    const token = /token \(shown once\): (\S+)/.exec(human.out)?.[1];
    expect(token).toBeTruthy();
    const list = await json(["tokens"]);
    const ci = list.items.find((t: { name: string }) => t.name === "ci robot");
    expect(ci).toMatchObject({ role: "operator" });
    expect((await fleet(["tokens"])).out).toMatch(new RegExp(`${ci.id}\\s+operator\\s+active`));
    expect((await fleet(["ls"], token)).code).toBe(0);
    expect((await json(["tokens", "revoke", ci.id])).revokedAt).toEqual(expect.any(String));
    const refused = await fleet(["ls"], token);
    expect([refused.code, refused.err]).toEqual([1, expect.stringMatching(/401.*FLEET_TOKEN/)]);

    const bad = await fleet(["tokens", "create", "x", "--role", "boss"]);
    expect([bad.code, bad.err]).toEqual([1, expect.stringMatching(/--role must be one of viewer, operator, admin, not "boss"/)]);
    expect((await fleet(["tokens", "create", "x"])).err).toMatch(/--role is required/);
  });

  it("a viewer can read but `fleet approve` gets the API's 403 with the reason and exit 1", async () => {
    const viewer = await tokenFor("viewer");
    const job = await submit("viewer cannot approve");
    expect((await json(["ls"], viewer)).some((j: { id: string }) => j.id === job.id)).toBe(true);
    const r = await fleet(["approve", job.id], viewer);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/^fleet: not allowed \(403\): .*operator/);
    const pp = await fleet(["protected-paths", "set", "--glob", "infra/**"], viewer);
    expect([pp.code, pp.err]).toEqual([1, expect.stringMatching(/not allowed \(403\).*admin/)]);
    expect(await stageOf(job.id)).toBe("queued");
  });

  it("job actions: pause, resume with a raised budget, cancel, requeue; the API's refusal reads as its reason", async () => {
    const job = await submit("act on me");
    expect((await fleet(["pause", job.id, "--reason", "hold on"])).out.trim()).toBe(`${job.id} paused`);
    const resumed = await json(["resume", job.id, "--budget-usd", "7.5", "--budget-tokens", "90000", "--budget-wall", "3h"]);
    expect(resumed.stage).toBe("queued");
    expect(resumed.manifest.budget).toMatchObject({ usd: 7.5, tokens: 90000, wall: 10_800_000 });
    expect((await fleet(["cancel", job.id])).out.trim()).toBe(`${job.id} cancelled`);
    const again = await fleet(["cancel", job.id]);
    expect([again.code, again.err]).toEqual([1, expect.stringMatching(/409: .*cancelled/)]);
    expect((await fleet(["requeue", job.id])).out.trim()).toBe(`${job.id} queued`);

    const rc = await fleet(["request-changes", job.id, "--reason", "shorter"]);
    expect([rc.code, rc.err]).toEqual([1, expect.stringMatching(/409: .*request_changes works from review/)]);
  });

  it("names a bad flag before anything is sent", async () => {
    const job = await submit("flags");
    for (const [args, why] of [
      [["resume", job.id, "--budget-usd", "lots"], /--budget-usd must be a number like 2.50, not "lots"/],
      [["resume", job.id, "--budget-wall"], /--budget-wall needs a value/],
      [["resume", job.id, "--budget-wall", "forever"], /--budget-wall: expected a duration like 90s/],
      [["approve", job.id, "--reasn", "x"], /unknown option --reasn \(this command takes --reason/],
      [["request-changes", job.id], /--reason is required/],
      [["ship", job.id, "--override"], /--override needs --reason/],
      [["approve"], /missing ID/],
      [["factories", "explode"], /unknown subcommand "explode"/],
    ] as const) {
      const r = await fleet([...args]);
      expect([r.code, r.err], args.join(" ")).toEqual([1, expect.stringMatching(why)]);
    }
    expect(await stageOf(job.id)).toBe("queued");
  });

  it("a job in review: events, approve or reject, and the stats and dag reads", async () => {
    const f = await registerFactory(app.url, app.enrollmentToken);
    const a = await submit("approve me");
    const b = await submit("reject me");
    // earlier tests left jobs queued: run whatever is claimed until both of these are in review
    for (let i = 0; i < 8 && ((await stageOf(a.id)) !== "review" || (await stageOf(b.id)) !== "review"); i++) {
      const { body } = await f.claim({ waitMs: 2000 });
      await f.complete(body.lease.id, body.lease.epoch, { outcome: "succeeded", exitCode: 0 });
    }
    expect(await stageOf(a.id)).toBe("review");
    const events = await json(["events", a.id]);
    expect(events.items.map((e: { type: string }) => e.type)).toContain("job:submitted");
    expect((await fleet(["events", a.id])).out).toMatch(/^SEQ\s+AT\s+TYPE\s+DATA/);
    const approved = await fleet(["approve", a.id]);
    expect(approved.code, approved.err).toBe(0);
    expect(approved.out.trim()).toMatch(new RegExp(`^${a.id} (testing|shipped|review)$`));
    expect((await fleet(["reject", b.id, "--reason", "not this"])).out.trim()).toBe(`${b.id} failed`);

    const stats = await json(["stats"]);
    expect(stats.queueDepth).toEqual(expect.any(Object));
    expect((await fleet(["stats"])).out).toMatch(/paused products: /);
    expect(await json(["dag"])).toMatchObject({ nodes: expect.any(Array), edges: expect.any(Array) });

    // the factory that ran them: list, show, drain, revoke
    const list = await json(["factories"]);
    expect(list.items.map((x: { id: string }) => x.id)).toContain(f.factoryId);
    expect((await fleet(["factories"])).out).toMatch(new RegExp(`^ID\\s+NAME\\s+HEALTH[\\s\\S]*${f.factoryId}`));
    expect((await json(["factories", "show", f.factoryId])).id).toBe(f.factoryId);
    expect((await fleet(["factories", "show", "nope"])).err).toMatch(/no factory "nope"/);
    expect((await fleet(["factories", "drain", f.factoryId])).out.trim()).toBe(`${f.factoryId} draining`);
    const op = await tokenFor("operator");
    const revokeByOperator = await fleet(["factories", "revoke", f.factoryId], op);
    expect([revokeByOperator.code, revokeByOperator.err]).toEqual([1, expect.stringMatching(/not allowed \(403\)/)]);
    expect((await json(["factories", "revoke", f.factoryId])).status).toBe("revoked");
  });

  it("product pause and resume; kill-switch status", async () => {
    const paused = await json(["product", "pause", "web", "--reason", "freeze"]);
    expect(paused).toEqual({ productId: "web", paused: true, pausedProducts: ["web"] });
    expect((await fleet(["product", "resume", "web"])).out.trim()).toBe("web running; paused now: none");
    expect((await fleet(["product", "stop", "web"])).err).toMatch(/unknown subcommand "stop" \(pause, resume\)/);
    expect((await json(["kill-switch", "status"])).on).toBe(false);
    expect((await fleet(["kill-switch", "on", "--reason", "drill"])).out).toMatch(/ON: drill/);
    expect((await fleet(["kill-switch"])).out).toMatch(/kill switch ON: drill/);
    expect((await fleet(["kill-switch", "off"])).out).toMatch(/off/);
  });

  it("users: list, change a person's role; an unknown user is the API's 404; an operator is refused", async () => {
    // a person who signed in once through GitHub (the store is the one the routes use)
    await (await services()).store.upsertUser({ id: "bob@example.com", productId: "default", name: "Bob", role: "viewer", provider: "github", now: Date.now() });
    const users = await json(["users"]);
    expect(users.items.find((u: { id: string }) => u.id === "bob@example.com")).toMatchObject({ role: "viewer", provider: "github" });
    expect((await fleet(["users"])).out).toMatch(/bob@example\.com\s+viewer\s+github/);
    expect((await json(["users", "role", "bob@example.com", "operator"])).role).toBe("operator");
    expect((await json(["users"])).items.find((u: { id: string }) => u.id === "bob@example.com").role).toBe("operator");
    const op = await tokenFor("operator");
    const refused = await fleet(["users", "role", "bob@example.com", "admin"], op);
    expect([refused.code, refused.err]).toEqual([1, expect.stringMatching(/not allowed \(403\)/)]);
    const r = await fleet(["users", "role", "nobody@example.com", "viewer"]);
    expect([r.code, r.err]).toEqual([1, expect.stringMatching(/404/)]);
    expect((await fleet(["users", "role", "x", "king"])).err).toMatch(/ROLE must be one of viewer, operator, admin/);
  });

  it("alerts: set a webhook sink, send a test that arrives, list deliveries", async () => {
    const bad = await fleet(["alerts", "sinks", "--webhook-url", "not a url"]);
    expect([bad.code, bad.err]).toEqual([1, expect.stringMatching(/webhookUrl/)]);
    const half = await json(["alerts", "sinks", "--webhook-url", sinkUrl]);
    expect(half.sinks.webhook.set).toBe(false); // a webhook is signed: without its secret it is not a sink
    const set = await json(["alerts", "sinks", "--webhook-secret", "s".repeat(24), "--quiet-ms", "60000"]);
    expect(set.sinks.webhook.set).toBe(true);
    const sent = await json(["alerts", "test"]);
    expect(sent.sent.length).toBe(1);
    expect(received.length).toBe(1);
    const overview = await json(["alerts"]);
    expect(overview.deliveries.map((d: { id: string }) => d.id)).toContain(sent.sent[0].id);
    expect((await fleet(["alerts"])).out).toMatch(/sinks: webhook set/);
    const retry = await fleet(["alerts", "retry", "no-such-delivery"]);
    expect([retry.code, retry.err]).toEqual([1, expect.stringMatching(/404/)]);
  });

  it("protected-paths: set fleet-wide and per product, keep other products, clear one; the API names a bad glob", async () => {
    expect(await json(["protected-paths"])).toMatchObject({ globs: [], products: {} });
    await json(["protected-paths", "set", "--product", "web=package.json", "--product", "api=db/**"]);
    const v = await json(["protected-paths", "set", "--glob", "infra/**", "--glob", ".github/**", "--product", "web=package.json,pnpm-lock.yaml"]);
    expect(v).toMatchObject({ globs: ["infra/**", ".github/**"], products: { web: ["package.json", "pnpm-lock.yaml"], api: ["db/**"] } });
    expect((await fleet(["protected-paths"])).out).toMatch(/\(fleet\)\s+infra\/\*\*/);
    expect(await json(["protected-paths", "set", "--product", "api="])).toMatchObject({ products: { web: ["package.json", "pnpm-lock.yaml"] } });
    expect((await json(["protected-paths", "set", "--no-globs"])).globs).toEqual([]);
    const bad = await fleet(["protected-paths", "set", "--glob", "../etc/**"]);
    expect([bad.code, bad.err]).toEqual([1, expect.stringMatching(/globs\[0\]: "\.\.\/etc\/\*\*" uses '\.\.'/)]);
    expect((await fleet(["protected-paths", "set"])).err).toMatch(/nothing to set/);
  });

  it("scheduling, profiles and trackers reads; scheduling set from a file", async () => {
    const s = await json(["scheduling"]);
    expect(s).toMatchObject({ weights: expect.any(Object), slaMs: expect.any(Object) });
    const weight = Object.keys(s.weights)[0]!;
    writeFileSync(path.join(dir, "sched.json"), JSON.stringify({ weights: { [weight]: 3 } }));
    expect((await json(["scheduling", "set", "sched.json"])).weights[weight]).toMatchObject({ value: 3, from: "settings" });
    writeFileSync(path.join(dir, "bad.json"), "{nope");
    expect((await fleet(["scheduling", "set", "bad.json"])).err).toMatch(/FILE bad.json: /);
    expect((await json(["profiles"])).items).toEqual(expect.any(Array));
    expect(await json(["trackers"])).toMatchObject({ trackers: expect.any(Array), unconfigured: expect.any(Array) });
    expect(readFileSync(path.join(dir, "sched.json"), "utf8")).toContain(weight);
  });

  it("watch follows the fleet stream: the replayed job events as lines, or as JSON lines, then stops at --count", async () => {
    const job = await submit("watched");
    const viewer = await tokenFor("viewer");
    // the stream replays up to the 50 latest job events before going live: ask for exactly those
    const jobs: { id: string }[] = await json(["ls"]);
    let total = 0;
    for (const j of jobs) total += (await json(["events", j.id])).items.length;
    const replayed = Math.min(total, 50);
    const r = await fleet(["watch", "--count", String(replayed), "--json"], viewer);
    expect([r.code, r.err]).toEqual([0, ""]);
    const lines = r.out.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines).toHaveLength(replayed);
    expect(lines.filter((m) => m.event === "job" && m.data.jobId === job.id).map((m) => m.data.type)).toContain("job:submitted");
    const human = await fleet(["watch", "--count", "1"]);
    expect(human.out).toMatch(/^\S+ {2}job j-\S+ {2}[a-z_:]+ {2}\{.*\}\n$/);
    expect((await fleet(["watch", "--count", "x"])).err).toMatch(/--count must be a whole number/);
  });

  it("every read in the table takes --json and prints the API's body as JSON", async () => {
    const job = await submit("read me");
    // reads whose answer is not JSON: the log is text, an artifact is bytes saved to a file
    const NOT_JSON = new Set(["logs ID", "logs ID -f", "artifact ID NAME"]);
    const reads = CLI_TABLE.filter((r) => r.method === "GET" && !NOT_JSON.has(r.command));
    expect(reads.length).toBeGreaterThan(15);
    const profiles = (await json(["profiles"])).items as { name: string }[];
    expect(profiles.length, "the repository's profiles/ are loaded").toBeGreaterThan(0);
    for (const r of reads) {
      const args = r.command
        .split(" ")
        .filter((w) => !w.startsWith("["))
        .map((w) => (w === "ID" ? job.id : w === "NAME" ? profiles[0]!.name : w));
      if (args[0] === "watch") args.push("--count", "1");
      const out = await fleet([...args, "--json"]);
      expect([out.code, out.err], r.command).toEqual([0, ""]);
      expect(() => JSON.parse(out.out), r.command).not.toThrow();
    }
  });

  it("several IDs: each job is acted on by itself, a refusal names its job and reason, the rest go on, exit 1", async () => {
    const a = await submit("bulk a");
    const b = await submit("bulk b");
    const c = await submit("bulk c");
    expect((await fleet(["cancel", c.id])).code).toBe(0);
    const r = await fleet(["pause", a.id, c.id, b.id]);
    expect(r.code).toBe(1);
    expect(r.out).toBe(`${a.id} paused\n${b.id} paused\n`);
    expect(r.err).toMatch(new RegExp(`^fleet pause ${c.id}: 409: .*cancelled`, "m"));
    expect(r.err).toMatch(/fleet pause: 1 of 3 refused/);
    const j = await fleet(["cancel", a.id, b.id, "--json"]);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.out).map((x: { id: string; stage: string }) => [x.id, x.stage])).toEqual([[a.id, "cancelled"], [b.id, "cancelled"]]);
  });

  it("ls takes the Jobs page's filters and sort; the API names a bad value, the CLI a bad flag", async () => {
    const a = await submit("needle in ls", { product: "shop" });
    await submit("haystack", { product: "other" });
    const found = await json(["ls", "--product", "shop", "--q", "needle"]);
    expect(found.map((j: { id: string }) => j.id)).toEqual([a.id]);
    expect((await fleet(["ls", "--stage", "queued", "--sort", "title", "--order", "asc", "--limit", "3"])).out.trim().split("\n")).toHaveLength(3);
    const badStage = await fleet(["ls", "--stage", "done"]);
    expect([badStage.code, badStage.err]).toEqual([1, expect.stringMatching(/400: [\s\S]*unknown stage "done"/)]);
    expect((await fleet(["ls", "--order", "up"])).err).toMatch(/--order must be asc or desc, not "up"/);
    expect((await fleet(["ls", "--state", "queued"])).err).toMatch(/unknown option --state/);
    expect((await fleet(["show", a.id, "--jsn"])).err).toMatch(/unknown option --jsn/);
  });
});
