import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linearTracker } from "@/server/tracker/linear/adapter";
import type { TrackerError } from "@/server/tracker/port";
import { startLinearDouble, type LinearDouble } from "../harness/linear-double";

/**
 * The Linear adapter through the real @linear/sdk client against the local GraphQL double, which
 * answers only the SDK's own generated documents and checks their variables (test/harness/linear-double.ts).
 */
let linear: LinearDouble;
const REPO = "https://github.com/acme/widgets.git";
const tracker = () => linearTracker({ apiKey: linear.apiKey, apiUrl: linear.url, repos: new Map([["ENG", REPO]]), label: "agent:run" });

beforeAll(async () => {
  linear = await startLinearDouble();
  linear.addTeam("ENG");
  linear.addTeam("OPS");
});
afterAll(async () => {
  await linear?.stop();
});

const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as TrackerError);

describe("Linear adapter", () => {
  it("fetches an issue with its labels, state and the team's mapped repository", async () => {
    const i = linear.addIssue("ENG", { title: "Add dark mode", description: "Toggle in settings.", labels: ["agent:run:frontend", "bug"] });
    const item = await tracker().fetchItem(`linear:${i.identifier}`);
    expect(item).toMatchObject({
      id: `linear:${i.identifier}`,
      identifier: i.identifier,
      uuid: i.id,
      teamKey: "ENG",
      title: "Add dark mode",
      body: "Toggle in settings.",
      labels: ["agent:run:frontend", "bug"],
      state: "open",
      workflowState: { name: "Todo", type: "unstarted" },
      repo: REPO,
      url: `https://linear.app/double/issue/${i.identifier}`,
    });
    expect(item?.updatedAt).toBe(i.updatedAt);
    // The SDK's own documents, nothing else: issue, then its labels and state.
    expect(linear.operations.slice(-3).map((o) => o.name).sort()).toEqual(["issue", "issue_labels", "workflowState"]);
  });

  it("answers undefined for an issue Linear does not have, and refuses a malformed id", async () => {
    expect(await tracker().fetchItem("linear:ENG-9999")).toBeUndefined();
    const e = await refusal(tracker().fetchItem("linear:eng 1"));
    expect([e?.reason, e?.message]).toEqual(["invalid", expect.stringMatching(/not a Linear item id/)]);
    expect(tracker().serves("linear:ENG-1")).toBe(true);
    expect(tracker().serves("github:acme/widgets#1")).toBe(false);
  });

  it("an item of a team with no mapped repository has no repo", async () => {
    const i = linear.addIssue("OPS", { title: "Rotate keys", labels: ["agent:run"] });
    const item = await tracker().fetchItem(`linear:${i.identifier}`);
    expect(item?.repo).toBeUndefined();
    expect(item?.teamKey).toBe("OPS");
  });

  it("lists a team's issues carrying the intake label (or label:profile) changed since a cursor, oldest first", async () => {
    const t = tracker();
    const before = await t.listLabelled("ENG");
    const a = linear.addIssue("ENG", { title: "A", labels: ["agent:run"] });
    linear.addIssue("ENG", { title: "not ours", labels: ["bug"] });
    linear.addIssue("ENG", { title: "look-alike", labels: ["agent:runner"] });
    const b = linear.addIssue("ENG", { title: "B", labels: ["agent:run:backend"] });
    linear.addIssue("OPS", { title: "other team", labels: ["agent:run"] });
    const r = await t.listLabelled("ENG", before.cursor);
    expect(r.items.map((x) => x.title)).toEqual(["A", "B"]);
    expect(r.cursor).toBe(b.updatedAt);
    expect((await t.listLabelled("ENG", r.cursor)).items).toEqual([]);
    expect((await t.listLabelled("ENG")).items.map((x) => x.id)).toEqual(expect.arrayContaining([`linear:${a.identifier}`, `linear:${b.identifier}`]));
    expect((await refusal(t.listLabelled("eng; drop")))?.reason).toBe("invalid");
  });

  it("pages through more labelled issues than one page holds", async () => {
    linear.addTeam("BIG");
    for (let n = 0; n < 55; n++) linear.addIssue("BIG", { title: `big ${n}`, labels: ["agent:run"] });
    const r = await tracker().listLabelled("BIG");
    expect(r.items).toHaveLength(55);
    expect(new Set(r.items.map((x) => x.id)).size).toBe(55);
  });

  it("creates one comment, then edits that same comment in place", async () => {
    const t = tracker();
    const i = linear.addIssue("ENG", { title: "Comment me", labels: ["agent:run"] });
    const id = `linear:${i.identifier}`;
    const first = await t.comment(id, "Queued as job j1.");
    expect(linear.commentsOf(i.identifier).map((c) => c.body)).toEqual(["Queued as job j1."]);
    const second = await t.comment(id, "Building on factory mac-1 with claude.", first.commentId);
    expect(second.commentId).toBe(first.commentId);
    const all = linear.commentsOf(i.identifier);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ id: first.commentId, body: "Building on factory mac-1 with claude." });
    expect(all[0]!.editedAt).not.toBeNull();
    // A comment a person deleted: the next write-back posts a new one instead of failing forever.
    linear.comments.splice(linear.comments.indexOf(all[0]!), 1);
    const third = await t.comment(id, "Shipped.", first.commentId);
    expect(third.commentId).not.toBe(first.commentId);
    expect(linear.commentsOf(i.identifier).map((c) => c.body)).toEqual(["Shipped."]);
  });

  it("moves the issue to the team's first started state on build and a completed state on ship", async () => {
    const t = tracker();
    const i = linear.addIssue("ENG", { title: "Move me", labels: ["agent:run"] });
    const id = `linear:${i.identifier}`;
    await t.setState(id, "started");
    // "In Progress" has the lowest position of the started states (the double lists "In Review" first)
    expect(linear.stateOf(i.identifier)).toMatchObject({ name: "In Progress", type: "started" });
    const writes = linear.operations.filter((o) => o.name === "updateIssue").length;
    await t.setState(id, "started");
    expect(linear.operations.filter((o) => o.name === "updateIssue").length).toBe(writes);
    await t.setState(id, "done");
    expect(linear.stateOf(i.identifier)).toMatchObject({ name: "Done", type: "completed" });
    expect((await t.fetchItem(id))?.state).toBe("closed");
  });

  it("adds and removes labels by name, creating a missing one on the team", async () => {
    const t = tracker();
    const i = linear.addIssue("ENG", { title: "Label me", labels: ["agent:run", "agent:queued"] });
    const id = `linear:${i.identifier}`;
    await t.setLabels(id, { add: ["agent:running"], remove: ["agent:queued", "never-existed"] });
    expect(linear.labelNames(i.identifier).sort()).toEqual(["agent:run", "agent:running"]);
    expect(linear.labels.find((l) => l.name === "agent:running")?.teamId).toBe(linear.teams.find((x) => x.key === "ENG")!.id);
    // adding one it has already is no error, and a workspace label is used as it is
    linear.addLabel("agent:failed");
    await t.setLabels(id, { add: ["agent:running", "AGENT:FAILED"], remove: ["agent:running"] });
    expect(linear.labelNames(i.identifier).sort()).toEqual(["agent:failed", "agent:run", "agent:running"]);
    expect(linear.labels.filter((l) => l.name.toLowerCase() === "agent:failed")).toHaveLength(1);
  });

  it("says why: a refused key is auth, an outage is unavailable (worth retrying), and neither carries the key", async () => {
    const bad = linearTracker({ apiKey: "lin_api_wrong", apiUrl: linear.url, repos: new Map(), label: "agent:run" });
    const e = await refusal(bad.fetchItem("linear:ENG-1"));
    expect([e?.reason, e?.transient]).toEqual(["auth", false]);
    linear.failNext(1, 503);
    const down = await refusal(tracker().setState("linear:ENG-1", "started"));
    expect([down?.reason, down?.transient]).toEqual(["unavailable", true]);
    for (const err of [e, down]) expect(JSON.stringify({ m: err?.message, s: err?.stack })).not.toContain(linear.apiKey);
    const gone = linearTracker({ apiKey: "k", apiUrl: "http://127.0.0.1:9/graphql", repos: new Map(), label: "agent:run" });
    expect((await refusal(gone.comment("linear:ENG-1", "x")))?.reason).toBe("unavailable");
  });
});
