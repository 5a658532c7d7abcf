import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startApp, type StartedApp } from "../harness/app";
import { call, jobFile, registerFactory, submitJob, type FactoryClient } from "../harness/factory";

/**
 * Alerts reach people, over real HTTP and real SMTP on loopback: the built app sends each of the
 * five alert kinds to a local JSON webhook (HMAC-signed), a local Slack-style webhook that fails its
 * first answers (retried with backoff, visible on GET /alerts) and a local SMTP server. Each alert
 * fires once, fires again after the quiet period while still open, and sends one *resolved*.
 */
const SECRET = "s3cret-for-the-alert-webhook";
const QUIET_MS = 2_500;
const KINDS = ["dead_letter", "budget_exceeded", "job_stalled", "factory_offline", "failure_spike"] as const;

interface Notice {
  id: string;
  notice: string;
  kind: string;
  subject: string;
  message: string;
  link: string | null;
}

const hooks: { notice: Notice; signatureOk: boolean }[] = [];
const slack: unknown[] = [];
let slackFailuresLeft = 3;
const mails: { subject: string; to: string; text: string }[] = [];
let http: Server;
let smtp: SMTPServer;
let app: StartedApp;
let api: string;
const timers: NodeJS.Timeout[] = [];

function verify(body: string, header: string | undefined): boolean {
  const want = Buffer.from(`sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`);
  const got = Buffer.from(header ?? "");
  return got.length === want.length && timingSafeEqual(got, want);
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${app?.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  http = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      if (req.url === "/hook") {
        hooks.push({ notice: JSON.parse(body) as Notice, signatureOk: verify(body, req.headers["x-fleet-signature"] as string | undefined) });
        res.writeHead(200).end("ok");
      } else if (req.url === "/slack") {
        if (slackFailuresLeft-- > 0) return void res.writeHead(503).end("slack is down");
        slack.push(JSON.parse(body));
        res.writeHead(200).end("ok");
      } else res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, cb) {
      let raw = "";
      stream.on("data", (c: Buffer) => (raw += c.toString()));
      stream.on("end", () => {
        const subject = /^Subject: (.*)$/m.exec(raw)?.[1] ?? "";
        mails.push({ subject, to: session.envelope.rcptTo.map((r) => r.address).join(","), text: raw });
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", r));
  const hp = (http.address() as AddressInfo).port;
  const sp = (smtp.server.address() as AddressInfo).port;
  app = await startApp({
    env: {
      FLEET_ALERT_WEBHOOK_URL: `http://127.0.0.1:${hp}/hook`,
      FLEET_ALERT_WEBHOOK_SECRET: SECRET,
      FLEET_ALERT_SLACK_URL: `http://127.0.0.1:${hp}/slack`,
      SMTP_URL: `smtp://127.0.0.1:${sp}`,
      FLEET_ALERT_EMAIL_FROM: "fleet@example.com",
      FLEET_ALERT_EMAIL_TO: "oncall@example.com",
      FLEET_ALERT_QUIET_MS: String(QUIET_MS),
      FLEET_ALERT_RETRY_MS: "200",
      FLEET_STALL_MS: "1000",
      FLEET_FAILURE_SPIKE: "2",
      FLEET_FAILURE_WINDOW_MS: "6000",
      FLEET_OFFLINE_AFTER_MS: "2000",
      FLEET_LEASE_TTL_MS: "30000",
    },
  });
  api = `${app.url}/api/fleet`;
}, 90_000);

afterAll(async () => {
  for (const t of timers) clearInterval(t);
  await app?.stop();
  await new Promise((r) => http?.close(r));
  await new Promise((r) => smtp?.close(() => r(undefined)));
});

const notices = (kind: string, notice: string) => hooks.filter((h) => h.notice.kind === kind && h.notice.notice === notice);

/** A factory that keeps heartbeating (so it stays online) until the test ends. */
async function liveFactory(): Promise<FactoryClient> {
  const f = await registerFactory(app.url, app.enrollmentToken);
  await f.heartbeat();
  timers.push(setInterval(() => void f.heartbeat().catch(() => undefined), 500));
  return f;
}

async function claimOne(f: FactoryClient, jobId: string) {
  const r = await f.claim({ waitMs: 3000 });
  expect(r.status).toBe(200);
  expect(r.body.lease.jobId).toBe(jobId);
  return r.body.lease as { id: string; epoch: number };
}

it("each alert kind reaches the webhook and the SMTP server: fired once, re-fired while open, resolved once, signed", async () => {
  const worker = await liveFactory();
  // factory_offline: a factory that heartbeats once, then goes quiet.
  const quiet = await registerFactory(app.url, app.enrollmentToken);
  await quiet.heartbeat();

  // dead_letter ×2 (and, two failures in the window, failure_spike): no retries left.
  const dead: string[] = [];
  for (const title of ["dead one", "dead two"]) {
    const job = await submitJob(app.url, app.adminToken, jobFile({ title, manifest: { retry: "{ max: 0 }" } }));
    const lease = await claimOne(worker, job.id);
    expect((await worker.complete(lease.id, lease.epoch, { outcome: "failed", exitCode: 3 })).body.stage).toBe("dead_letter");
    dead.push(job.id);
  }
  // budget_exceeded: a cost report beyond the ceiling pauses the job.
  const pricey = await submitJob(app.url, app.adminToken, jobFile({ title: "pricey", manifest: { budget: "{ usd: 0.01 }" } }));
  const pl = await claimOne(worker, pricey.id);
  await worker.events(pl.id, pl.epoch, [{ seq: 1, type: "cost", usd: 1 }]);
  // job_stalled: leased, never logs (renewed so the lease lives).
  const silent = await submitJob(app.url, app.adminToken, jobFile({ title: "silent" }));
  const sl = await claimOne(worker, silent.id);
  timers.push(setInterval(() => void worker.renew(sl.id, sl.epoch).catch(() => undefined), 1000));

  const subjects: Record<(typeof KINDS)[number], string> = {
    dead_letter: dead[0]!,
    budget_exceeded: pricey.id,
    job_stalled: silent.id,
    factory_offline: quiet.factoryId,
    failure_spike: "fleet",
  };
  for (const kind of KINDS) await until(`${kind} fired`, () => notices(kind, "fired").find((h) => h.notice.subject === subjects[kind]));
  for (const kind of KINDS) await until(`${kind} re-fired`, () => notices(kind, "refired").find((h) => h.notice.subject === subjects[kind]));

  // Resolve every one of them.
  for (const id of dead) expect((await call(`${api}/jobs/${id}/actions`, { token: app.adminToken, json: { action: "requeue", reason: "seen" } })).status).toBe(200);
  expect((await call(`${api}/jobs/${pricey.id}/actions`, { token: app.adminToken, json: { action: "cancel", reason: "too dear" } })).status).toBe(200);
  // The silent job speaks, and keeps speaking (so it does not stall again).
  let seq = 0;
  const speak = () => worker.events(sl.id, sl.epoch, [{ seq: ++seq, type: "log", stream: "stdout", text: "alive\n" }]);
  await speak();
  timers.push(setInterval(() => void speak().catch(() => undefined), 400));
  await quiet.heartbeat();
  timers.push(setInterval(() => void quiet.heartbeat().catch(() => undefined), 500));
  // failure_spike resolves by itself once the failures leave the 6 s window.
  for (const kind of KINDS) await until(`${kind} resolved`, () => notices(kind, "resolved").find((h) => h.notice.subject === subjects[kind]), 40_000);
  await until("the outbox drained", async () => ((await call(`${api}/alerts`, { token: app.adminToken })).body.deliveries as { status: string }[]).every((d) => d.status === "delivered"));

  for (const kind of KINDS) {
    const mine = hooks.filter((h) => h.notice.kind === kind && h.notice.subject === subjects[kind]);
    expect(mine.filter((h) => h.notice.notice === "fired"), `${kind} fired once`).toHaveLength(1);
    expect(mine.filter((h) => h.notice.notice === "resolved"), `${kind} resolved once`).toHaveLength(1);
    expect(mine.filter((h) => h.notice.notice === "refired").length, `${kind} re-fired`).toBeGreaterThanOrEqual(1);
    // One notice, one webhook delivery: no id arrives twice; one episode (ids carry the episode).
    expect(new Set(mine.map((h) => h.notice.id)).size).toBe(mine.length);
    expect(new Set(mine.map((h) => h.notice.id.split("~")[0])).size, `${kind}: one episode`).toBe(1);
  }
  expect(hooks.every((h) => h.signatureOk)).toBe(true);
  // Several jobs dead-letter; the link belongs to the notice about this one.
  expect(notices("dead_letter", "fired").find((h) => h.notice.subject === dead[0])!.notice.link).toBe(`${app.url}/jobs/${dead[0]}`);

  // The same notices by e-mail, to the configured recipient.
  for (const kind of KINDS) {
    const mine = hooks.filter((h) => h.notice.kind === kind && h.notice.subject === subjects[kind]);
    const forKind = mails.filter((m) => m.subject.includes(subjects[kind]));
    expect(forKind.length, `${kind} e-mails`).toBe(mine.length);
    expect(forKind.filter((m) => m.subject.startsWith("[ALERT]"))).toHaveLength(1);
    expect(forKind.filter((m) => m.subject.startsWith("[RESOLVED]"))).toHaveLength(1);
  }
  expect(mails.every((m) => m.to === "oncall@example.com")).toBe(true);
});

it("a failing sink is retried with backoff, visible on GET /alerts meanwhile, and delivered in the end", async () => {
  const overview = (await call(`${api}/alerts`, { token: app.adminToken })).body;
  expect(overview.sinks).toMatchObject({ webhook: { set: true }, slack: { set: true }, email: { set: true, to: ["oncall@example.com"] } });
  expect(JSON.stringify(overview)).not.toContain(SECRET);
  // Slack answered 503 to its first three requests (during the test above), and yet every notice reached it.
  expect(slack.length).toBe(hooks.length);

  // Slack down for two more requests: the test alert is retried with backoff and delivered in the end,
  // its error kept. (Asserted on this delivery: the earlier ones may have left the latest-50 list.)
  slackFailuresLeft = 2;
  const flaky = await call(`${api}/alerts/test`, { method: "POST", token: app.adminToken });
  expect(flaky.status).toBe(200);
  const slackTest = (flaky.body.sent as { id?: string; sink: string; status: string; lastError?: string }[]).find((d) => d.sink === "slack");
  expect(slackTest).toMatchObject({ status: "retrying", lastError: expect.stringContaining("503") });
  const recovered = await until("the retried slack test delivery delivered", async () =>
    ((await call(`${api}/alerts`, { token: app.adminToken })).body.deliveries as { sink: string; notice: string; status: string; attempts: number; lastError?: string }[]).find(
      (d) => d.sink === "slack" && d.notice === "test" && d.status === "delivered",
    ),
  );
  expect(recovered.attempts).toBeGreaterThan(1);
  expect(recovered.lastError).toContain("503");
  const block = JSON.stringify(slack[0]);
  expect(block).toContain('"type":"button"');

  // A sink that stays down: the test alert shows the failure at once, and it stays listed.
  slackFailuresLeft = 1_000;
  const test = await call(`${api}/alerts/test`, { method: "POST", token: app.adminToken });
  expect(test.status).toBe(200);
  const bySink = Object.fromEntries((test.body.sent as { sink: string; status: string; lastError?: string }[]).map((d) => [d.sink, d]));
  expect(bySink.webhook).toMatchObject({ status: "delivered" });
  expect(bySink.email).toMatchObject({ status: "delivered" });
  expect(bySink.slack).toMatchObject({ status: "retrying", lastError: expect.stringContaining("503") });
  const listed = await until("the failing test delivery listed with its error", async () =>
    ((await call(`${api}/alerts`, { token: app.adminToken })).body.deliveries as { sink: string; notice: string; status: string; attempts: number }[]).find((d) => d.sink === "slack" && d.notice === "test" && d.status !== "delivered" && d.attempts >= 2),
  );
  expect(listed.status).toBe("retrying");
  expect(hooks.some((h) => h.notice.notice === "test" && h.signatureOk)).toBe(true);
  expect(mails.some((m) => m.subject.startsWith("[TEST]"))).toBe(true);
});

it("sinks set on the Admin page are validated (the field is named) and override the environment", async () => {
  const bad = await call(`${api}/alerts/sinks`, { method: "PUT", token: app.adminToken, json: { slackUrl: "javascript:alert(1)", quietMs: 5 } });
  expect(bad.status).toBe(400);
  const paths = (bad.body.errors as { path: string }[]).map((e) => e.path);
  expect(paths).toEqual(expect.arrayContaining(["slackUrl", "quietMs"]));
  const ok = await call(`${api}/alerts/sinks`, { method: "PUT", token: app.adminToken, json: { slackUrl: "", quietMs: 60_000 } });
  expect(ok.status).toBe(200);
  expect(ok.body.sinks.slack).toMatchObject({ set: false, from: "settings" });
  expect(ok.body.sinks.quietMs).toBe(60_000);
});
