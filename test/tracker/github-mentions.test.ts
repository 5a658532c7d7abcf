/**
 * A comment mentioning the bot (FLEET_TRACKER_MENTION) on an issue whose job waits in review or
 * testing becomes a follow-up prompt for that job's branch (issue 16 item 6), over real HTTP: the
 * control plane in process, GitHub behind the OpenAPI-checked double, signed `issue_comment`
 * webhooks, and a real fleet-agent that builds the first job and pushes its branch. Not every
 * comment is one: our own bot's comments are ignored (the write-back comments would loop), one
 * without the mention is ignored, and one on an issue with no live job is ignored with the reason.
 */
import { describe, expect, it } from "vitest";
import * as actionsRoute from "@/app/api/fleet/jobs/[id]/actions/route";
import * as jobRoute from "@/app/api/fleet/jobs/[id]/route";
import * as jobsRoute from "@/app/api/fleet/jobs/route";
import * as heartbeatRoute from "@/app/api/fleet/factories/[id]/heartbeat/route";
import * as factoriesRoute from "@/app/api/fleet/factories/route";
import * as completeRoute from "@/app/api/fleet/leases/[id]/complete/route";
import * as eventsRoute from "@/app/api/fleet/leases/[id]/events/route";
import * as renewRoute from "@/app/api/fleet/leases/[id]/renew/route";
import * as claimRoute from "@/app/api/fleet/leases/claim/route";
import * as webhookRoute from "@/app/api/fleet/webhooks/github/route";
import { services } from "@/server/wiring";
import { signedWebhook } from "../harness/github-double-issues";
import { killAllAgents } from "../../agent/test/agent-process";
import { githubFleet } from "../harness/github-fleet";
import { until } from "../harness/until";

const SECRET = "webhook-secret-mentions-0123456789";
const BOT = "gigafactory-bot";
const fleet = githubFleet({
  settings: { GITHUB_WEBHOOK_SECRET: SECRET, FLEET_TRACKER_BOT: BOT, FLEET_TRACKER_MENTION: "@gigafactory" },
  routes: [factoriesRoute, heartbeatRoute, jobsRoute, jobRoute, actionsRoute, claimRoute, renewRoute, eventsRoute, completeRoute, webhookRoute],
  agent: "gh-m",
});

const { get } = fleet;
// the answers are read field by field, as JSON
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Answer = { status: number; body: any };
let deliveries = 0;
async function hook(event: string, payload: unknown): Promise<Answer> {
  const w = signedWebhook(SECRET, event, `m-${++deliveries}`, payload);
  const r = await fetch(`${fleet.api}/webhooks/github`, { method: "POST", headers: w.headers, body: w.body });
  return { status: r.status, body: await r.json() };
}
let commentIds = 80_000;
const commented = (repo: string, number: number, body: string, sender = "alice") => ({
  action: "created",
  comment: { id: ++commentIds, body },
  ...fleet.gh.issues.payload("acme", repo, number, fleet.gh.url),
  sender: { login: sender, type: sender === BOT ? "Bot" : "User" },
});

const FAKE = ["Please add b.", "", "```yaml", "engine: fake", "verify: test -f b.txt", "```", "", "fake: write b.txt=b", "fake: commit add b", ""].join("\n");
/** the follow-ups of a job, as the store has them */
async function followUpsOf(id: string) {
  const { ctx } = await services();
  return (await ctx.store.listJobs({}, undefined, 500)).items.filter((j) => j.followUpOf?.of === id);
}

describe.skipIf(process.platform === "win32")("a comment mentioning the bot", () => {
  it("on an issue whose job is in testing becomes a follow-up for its branch; the bot's own and unmentioning comments are ignored", async () => {
    fleet.gh.addRepo("acme", "mention", { git: true });
    const issue = fleet.gh.issues.create("acme", "mention", { title: "Add the b file", body: FAKE, labels: ["agent:run"] });
    const labeled = await hook("issues", { action: "labeled", label: { name: "agent:run" }, ...fleet.gh.issues.payload("acme", "mention", issue.number, fleet.gh.url), sender: { login: "alice", type: "User" } });
    expect(labeled.body.tracker?.outcome, JSON.stringify(labeled.body)).toBe("created");
    const id = labeled.body.tracker.jobId as string;
    const job = await until(() => get(`/jobs/${id}`).then((x) => x.body), (j) => j.stage === "testing" && j.delivery?.pr !== undefined, "the job reaches testing with a PR");
    // the agent is stopped: the follow-up is asserted as queued, not run
    await killAllAgents();

    // our own bot mentioning itself (as a write-back comment could): ignored before anything is recorded
    const own = await hook("issue_comment", commented("mention", issue.number, "@gigafactory job status: building", BOT));
    expect(own.status).toBe(202);
    expect(own.body).toMatchObject({ ignored: true, reason: "authored by our own bot" });
    // a person's comment that does not mention the bot: ignored
    const plain = await hook("issue_comment", commented("mention", issue.number, "Looks good so far, thanks."));
    expect(plain.status).toBe(202);
    expect(plain.body).toMatchObject({ ignored: true, reason: "the comment does not mention the bot" });
    expect(await followUpsOf(id)).toEqual([]);

    // the mention: a follow-up on the job's branch, its prompt carrying the comment
    const ask = await hook("issue_comment", commented("mention", issue.number, "@gigafactory please also add a c.txt next to b.txt"));
    expect(ask.status, JSON.stringify(ask.body)).toBe(200);
    expect(ask.body.tracker).toEqual({ outcome: "existing", jobId: id });
    const [follow] = await followUpsOf(id);
    expect(follow).toBeDefined();
    expect(follow!.stage).toBe("queued");
    expect(follow!.followUpOf).toMatchObject({ of: id, reason: "changes_requested" });
    expect(follow!.delivery).toMatchObject({ mode: "branch", branch: job.delivery.branch, lastPushed: job.delivery.lastPushed });
    expect(follow!.body).toContain("please also add a c.txt next to b.txt");
  }, 90_000);

  it("on an issue with no job in review or testing is ignored, saying why; nothing is queued", async () => {
    fleet.gh.addRepo("acme", "nojob");
    const issue = fleet.gh.issues.create("acme", "nojob", { title: "Just a question", body: "How does this work?", labels: [] });
    const before = (await services()).ctx.store;
    const count = (await before.listJobs({}, undefined, 500)).items.length;
    const r = await hook("issue_comment", commented("nojob", issue.number, "@gigafactory can you take this?"));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.tracker).toEqual({ outcome: "ignored", reason: "no job of this item waits in review or testing, so there is no branch to follow up on" });
    expect((await before.listJobs({}, undefined, 500)).items.length).toBe(count);
    expect(fleet.gh.issues.get("acme", "nojob", issue.number).comments).toEqual([]);
  }, 30_000);
});
