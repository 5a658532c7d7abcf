import { LinearClient } from "@linear/sdk";
import { afterAll, describe, expect, it } from "vitest";
import { linearTracker } from "@/server/tracker/linear/adapter";

/**
 * Opt-in: the Linear adapter against real Linear (issue 16, "done when"). Runs only with
 * LINEAR_API_KEY (a key that may create and edit issues, comments and labels) and
 * FLEET_TEST_LINEAR_TEAM (the key of a scratch team, like SCR). It creates an issue labelled
 * agent:run, reads it back, finds it among the team's labelled issues, keeps one comment (created,
 * then edited in place), moves it to the team's first started state and then to a completed one,
 * swaps a label, and deletes the issue (to the trash) at the end.
 */
const apiKey = process.env.LINEAR_API_KEY ?? "";
const team = process.env.FLEET_TEST_LINEAR_TEAM ?? "";
const skip = !apiKey ? "LINEAR_API_KEY is not set" : !/^[A-Z][A-Z0-9]{0,6}$/.test(team) ? "FLEET_TEST_LINEAR_TEAM (a scratch team's key, like SCR) is not set" : "";
if (skip) process.stderr.write(`skipped: the live Linear test (${skip})\n`);

describe.skipIf(Boolean(skip))(`Linear adapter, live${skip ? ` (skipped: ${skip})` : ""}`, () => {
  // built inside the test: a describe body runs even when skipped, and the SDK refuses an empty key
  let client: LinearClient | undefined;
  let issueId: string | undefined;

  afterAll(async () => {
    if (client && issueId) await client.deleteIssue(issueId).catch(() => undefined);
  });

  it("reads, lists, comments in place, moves and labels a scratch issue", async () => {
    client = new LinearClient({ apiKey });
    const tracker = linearTracker({ apiKey, repos: new Map([[team, "https://github.com/example/scratch.git"]]), label: "agent:run" });
    const t = await client.team(team);
    const started = new Date(Date.now() - 60_000).toISOString();
    const created = await client.createIssue({ teamId: t.id, title: "fleet live test (deleted by the test)", description: "Created by Gigafactory's opt-in live test." });
    const issue = await created.issue;
    if (!issue) throw new Error("Linear did not return the created issue");
    issueId = issue.id;
    const id = `linear:${issue.identifier}`;

    await tracker.setLabels(id, { add: ["agent:run", "agent:queued"] });
    const item = await tracker.fetchItem(id);
    expect(item).toMatchObject({ id, title: "fleet live test (deleted by the test)", state: "open", repo: "https://github.com/example/scratch.git" });
    expect(item?.labels).toEqual(expect.arrayContaining(["agent:run", "agent:queued"]));
    expect((await tracker.listLabelled(team, started)).items.map((x) => x.id)).toContain(id);

    const c1 = await tracker.comment(id, "Queued (live test).");
    const c2 = await tracker.comment(id, "Building (live test).", c1.commentId);
    expect(c2.commentId).toBe(c1.commentId);
    const comments = await issue.comments();
    expect(comments.nodes.map((c) => c.body)).toEqual(["Building (live test)."]);

    await tracker.setState(id, "started");
    expect((await tracker.fetchItem(id))?.workflowState?.type).toBe("started");
    await tracker.setLabels(id, { add: ["agent:running"], remove: ["agent:queued"] });
    const labels = (await tracker.fetchItem(id))?.labels ?? [];
    expect(labels).toContain("agent:running");
    expect(labels).not.toContain("agent:queued");
    await tracker.setState(id, "done");
    expect((await tracker.fetchItem(id))?.state).toBe("closed");
    expect(await tracker.fetchItem(`linear:${team}-999999999`)).toBeUndefined();
  });
});
