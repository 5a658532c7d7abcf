/**
 * The tracker write-back outbox while the tracker is down, over real HTTP to the OpenAPI-checked
 * GitHub double (an edge 503 for every issue request): a failed send backs off exponentially
 * (5 s, 10 s, 20 s… capped at 15 min), a sweep before the record is due asks the tracker nothing
 * (no hot loop), the record is never dropped: after many failures it is still pending with its
 * attempts and last error, which trackerOutboxStatus() shows the Admin page, and a new milestone
 * does not hide the failing streak. When the tracker returns it receives the pending state once.
 * The sweeper is parked; each step runs with the coordinator's clock set to when the record is due.
 */
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import type { CoordinatorContext } from "@/server/coordinator/context";
import { afterMove, moveJob } from "@/server/coordinator/move-job";
import { importTrackerItemById } from "@/server/coordinator/tracker-intake";
import { trackerOutboxStatus, trackerSyncStep, wantInvalidComment } from "@/server/coordinator/tracker-sync";
import { TRACKER_SYNC_BACKOFF_CAP_MS } from "@/server/store/rules/tracker-sync";
import { services } from "@/server/wiring";
import { startGithubDouble, type GithubDouble } from "../harness/github-double";
import { startInProcess, type InProcessApp } from "../harness/in-process";

let gh: GithubDouble;
let app: InProcessApp;
let ctx: CoordinatorContext;

beforeAll(async () => {
  gh = await startGithubDouble();
  gh.addRepo("acme", "outage");
  app = await startInProcess({ GITHUB_TOKEN: gh.token, GITHUB_API_URL: gh.url, FLEET_TRACKER_BOT: "gigafactory-bot", FLEET_GITHUB_POLL_MS: "3600000", FLEET_SWEEP_MS: "3600000" }, []);
  ctx = (await services()).ctx;
});
afterEach(() => {
  gh.issues.outage(0);
  expect(gh.problems.splice(0)).toEqual([]);
});
afterAll(async () => {
  await app?.stop();
  await gh?.close();
});

const at = (now: number): CoordinatorContext => ({ ...ctx, now: () => now });
/** the requests to the repository's issues (the issue, its labels, and comments: an edit goes to /issues/comments/{id}) */
const issueRequests = (from: number) => gh.requests.slice(from).filter((r) => r.path.startsWith("/repos/acme/outage/issues"));

it("a down tracker: sends back off exponentially up to the cap, the record stays pending and visibly failing, and the tracker gets the state once when it is back", async () => {
  const issue = gh.issues.create("acme", "outage", { title: "Write back through an outage", body: "Do it.", labels: ["agent:run"] });
  const out = await importTrackerItemById(ctx, `github:acme/outage#${issue.number}`, "test");
  expect(out.kind).toBe("created");
  const id = (out as { jobId: string }).jobId;
  expect(gh.issues.get("acme", "outage", issue.number).comments).toHaveLength(1);

  // the tracker goes down; the job starts: the immediate send fails and the record backs off 5 s
  gh.issues.outage(10_000);
  const grant = await ctx.store.claimJob({ jobId: id, factoryId: "mac-1", engine: "claude", leaseId: "lease-wb-1", ttlMs: 3_600_000, now: ctx.now() });
  await afterMove(ctx, grant!.job, { from: "queued", cause: "claimed by a factory" });
  let rec = (await ctx.store.getTrackerSync(id))!;
  expect(rec).toMatchObject({ milestone: "started", attempts: 1 });
  expect(rec.lastError).toMatch(/^unavailable: GitHub answered 503/);
  expect(rec.nextAttemptAt! - rec.updatedAt).toBe(5_000);

  // a sweep before it is due asks GitHub nothing
  let before = gh.requests.length;
  expect(await trackerSyncStep(at(rec.nextAttemptAt! - 1))).toBe(0);
  expect(issueRequests(before)).toEqual([]);

  // each due sweep tries once and doubles the wait, up to the cap
  const waits: number[] = [];
  for (let i = 0; i < 10; i++) {
    before = gh.requests.length;
    expect(await trackerSyncStep(at(rec.nextAttemptAt!))).toBe(0);
    expect(issueRequests(before)).toHaveLength(1);
    rec = (await ctx.store.getTrackerSync(id))!;
    waits.push(rec.nextAttemptAt! - rec.updatedAt);
  }
  expect(waits).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 640_000, TRACKER_SYNC_BACKOFF_CAP_MS, TRACKER_SYNC_BACKOFF_CAP_MS, TRACKER_SYNC_BACKOFF_CAP_MS]);
  expect(rec.attempts).toBe(11);
  expect(rec.sentRev).toBeLessThan(rec.rev);

  // a new milestone while it fails: tried at once, and the streak (and the cap) stays
  const failedAt = rec.nextAttemptAt! - 1_000;
  const failed = await moveJob(at(failedAt), grant!.job, "failed", { by: "test", cause: "the engine failed" });
  expect(failed.stage).toBe("failed");
  rec = (await ctx.store.getTrackerSync(id))!;
  expect(rec).toMatchObject({ milestone: "failed", attempts: 12, updatedAt: failedAt });
  expect(rec.nextAttemptAt! - rec.updatedAt).toBe(TRACKER_SYNC_BACKOFF_CAP_MS);

  // what the Admin page reads: pending, attempts and the last error
  const status = await trackerOutboxStatus(ctx);
  expect(status.pending).toBeGreaterThanOrEqual(1);
  expect(status.entries.find((e) => e.jobId === id)).toMatchObject({ itemId: `github:acme/outage#${issue.number}`, attempts: rec.attempts, lastError: rec.lastError, nextAttemptAt: rec.nextAttemptAt });

  // back up: the next due sweep delivers the latest state, once (the one comment edited in place)
  gh.issues.outage(0);
  expect(await trackerSyncStep(at(rec.nextAttemptAt!))).toBe(1);
  const after = gh.issues.get("acme", "outage", issue.number);
  expect(after.comments).toHaveLength(1);
  expect(after.comments[0]!.body).toContain(id);
  expect(after.comments[0]!.body).toContain("Failed");
  expect(after.labels).toContain("agent:failed");
  expect(after.labels).not.toContain("agent:queued");
  expect(after.labels).not.toContain("agent:running");
  rec = (await ctx.store.getTrackerSync(id))!;
  expect(rec).toMatchObject({ attempts: 0, sentRev: rec.rev });
  expect(rec.lastError).toBeUndefined();
  expect((await trackerOutboxStatus(ctx)).entries.find((e) => e.jobId === id)).toBeUndefined();
  before = gh.requests.length;
  expect(await trackerSyncStep(at(rec.updatedAt + 10 * TRACKER_SYNC_BACKOFF_CAP_MS))).toBe(0);
  expect(issueRequests(before)).toEqual([]);
});

it("a record whose tracker is not configured backs off and stays pending instead of being retried every sweep", async () => {
  // a Linear item on a coordinator with only GitHub configured (LINEAR_API_KEY removed since)
  await wantInvalidComment(ctx, "linear:ENG-7", "0123456789abcdef", "could not become a job");
  // the immediate send found no adapter: failed, backed off, kept
  const rec = (await ctx.store.getTrackerSync("invalid:linear:ENG-7@0123456789abcdef"))!;
  expect(rec.attempts).toBe(1);
  expect(rec.lastError).toContain("no tracker adapter serves this item");
  expect(rec.nextAttemptAt! - rec.updatedAt).toBe(5_000);
  expect((await ctx.store.listTrackerSyncDue(rec.nextAttemptAt! - 1, 100)).map((r) => r.id)).not.toContain(rec.id);
  // due: tried once more, and it waits twice as long
  await trackerSyncStep(at(rec.nextAttemptAt!));
  const again = (await ctx.store.getTrackerSync(rec.id))!;
  expect(again.attempts).toBe(2);
  expect(again.nextAttemptAt! - again.updatedAt).toBe(10_000);
  expect(await ctx.store.countTrackerSyncPending()).toBeGreaterThanOrEqual(1);
});
