import { expect, test, type Page } from "@playwright/test";
import { E2E_CHECK } from "./support/github";
import { branchSha, createIssue, doubleProblems, editIssue, issueOn, pullFor, setCheck } from "./support/github-control";
import { api, at, screenshot, signInAsAdmin } from "./support/helpers";
import { deliverGithubWebhook, issueBodyEdited, issueLabeled } from "./support/tracker";

/**
 * Issue 16, done when: the round trip against the GitHub double (every request and answer held to
 * @octokit/openapi). A person files an issue on acme/shop and labels it `agent:run` (GitHub's
 * signed `issues` webhook to the control plane) → the job is queued, and the browser shows it with
 * its tracker link → the real factory builds it → a PR saying `Closes #N` → CI passes (the spec
 * plays it) → *Ship* in the browser merges it → the issue is closed, its one bot comment carrying
 * the merge SHA. Importing it again (the API, and File a task's *Import from tracker* with the
 * issue's page) creates nothing; an edit before the job starts replaces it.
 *
 * The issue's job runs the shell engine (its prompt, the issue body, is the script), so it leaves a
 * file of its own and never touches rounds.txt, which the PR spec's CI counts.
 */

interface TrackerJob {
  id: string;
  stage: string;
  title: string;
  body?: string;
  manifest: Record<string, unknown>;
  tracker?: { item: string; url?: string };
  delivery?: { branch: string; mergeSha?: string; pr?: { number: number; url: string; headSha: string } };
}
const job = async (id: string) => (await api<TrackerJob>("GET", `/api/fleet/jobs/${id}`)).body;
const header = (page: Page) => page.locator("header [data-stage]").first();
const importItem = (item: string) => api<{ outcome: string; jobId?: string; reason?: string }>("POST", "/api/fleet/tracker/import", { item });
const pause = (paused: boolean) => api("POST", "/api/fleet/products/default/pause", { paused, reason: "e2e: the tracker spec looks at a queued job" });
const itemOf = (n: number) => `github:acme/shop#${n}`;
/** An issue body: prose, the manifest block, and the job's shell script (the issue text is its prompt). */
const issueBody = (prose: string, yaml: string[], script: string) => [prose, "", "```yaml", ...yaml, "```", "", script, ""].join("\n");

test("an issue labelled agent:run is queued, built, shipped from the browser, and closed with the merge SHA; importing it again is a no-op", async ({ page }, info) => {
  test.setTimeout(150_000);
  const file = `tracker-${Date.now().toString(36)}.txt`;
  const title = `Add the tracker note ${file}`;
  const filed = await createIssue({
    title,
    body: issueBody(`# Writes ${file} (this issue is the job's shell script)`, ["engine: shell", "delivery: pr", "review-policy: manual"], `echo "filed on the tracker" > ${file}`),
    labels: ["agent:run"],
  });
  const n = filed.issue.number;

  // The product is paused while the spec looks at the queued job (the factory would claim it at
  // once otherwise): the pause, not timing, holds it.
  let id: string;
  expect((await pause(true)).status).toBe(200);
  try {
    const labelled = await issueLabeled(filed, "agent:run");
    expect(labelled.status, JSON.stringify(labelled.body)).toBe(200);
    expect(labelled.body.tracker?.outcome, JSON.stringify(labelled.body)).toBe("created");
    id = labelled.body.tracker!.jobId!;

    // a replayed delivery (same X-GitHub-Delivery) changes nothing
    const replay = await deliverGithubWebhook("issues", { action: "labeled", label: { name: "agent:run" }, ...filed.payload, sender: { login: "alice", type: "User" } }, labelled.body.delivery!);
    expect(replay).toMatchObject({ status: 200, body: { duplicate: true } });

    const queued = await job(id);
    expect(queued).toMatchObject({ stage: "queued", title, tracker: { item: itemOf(n) } });
    expect(queued.manifest).toMatchObject({ "tracker-item": itemOf(n), engine: "shell", delivery: "pr", repo: expect.stringMatching(/\/acme\/shop\.git$/) });

    // Importing the same item again (as `fleet from-tracker` does) is the same job.
    expect((await importItem(itemOf(n))).body).toEqual({ outcome: "existing", jobId: id });

    // The browser: queued in the jobs table (filtered to this issue), and the job page links the issue.
    await signInAsAdmin(page, `/jobs?tracker=github&item=${encodeURIComponent(itemOf(n))}`);
    const row = page.locator(`tr[data-job-id="${id}"]`);
    await expect(row.locator("[data-stage]")).toHaveAttribute("data-stage", "queued");
    await expect(row.getByTestId("row-tracker")).toHaveText(itemOf(n));
    await expect(row.getByTestId("row-tracker")).toHaveAttribute("href", queued.tracker!.url!);
    await row.getByRole("link", { name: title, exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/jobs/${id}$`));
    await expect(header(page)).toHaveAttribute("data-stage", "queued");
    const link = page.getByTestId("tracker-item").getByRole("link", { name: itemOf(n) });
    await expect(link).toHaveAttribute("href", queued.tracker!.url!);
    // the issue's page on the double's host, port kept: the link opens
    expect(queued.tracker!.url).toBe(process.env.E2E_GITHUB_REPO_URL!.replace(/\.git$/, `/issues/${n}`));
    await screenshot(page, info, "tracker-job-queued");

    // File a task → Import from tracker, pasting the issue's page: the same job, nothing created.
    await page.goto(at("/new"));
    await page.getByRole("textbox", { name: "tracker item to import" }).fill(queued.tracker!.url!);
    await page.getByRole("button", { name: "Import", exact: true }).click();
    const imported = page.getByTestId("tracker-import-result");
    await expect(imported).toHaveAttribute("data-outcome", "existing");
    await expect(imported.getByRole("link", { name: id })).toHaveAttribute("href", `/jobs/${id}`);
    await screenshot(page, info, "tracker-import-existing");

    // GitHub heard: one comment, label agent:queued.
    await expect.poll(async () => (await issueOn(n)).issue.labels).toContain("agent:queued");
    const heard = (await issueOn(n)).issue;
    expect(heard.comments).toHaveLength(1);
    expect(heard.comments[0]!.body).toContain("Queued");
  } finally {
    await pause(false);
  }

  // The factory builds it; the coordinator opens the PR, which closes the issue when merged.
  await expect.poll(async () => (await job(id)).delivery?.pr?.number ?? 0, { timeout: 60_000 }).toBeGreaterThan(0);
  await expect.poll(async () => (await job(id)).stage, { timeout: 30_000 }).toMatch(/^(review|testing)$/);
  const built = await job(id);
  const branch = built.delivery!.branch;
  const pr = await pullFor(branch);
  expect(pr).toMatchObject({ number: built.delivery!.pr!.number, state: "open", merged: false });
  expect(pr!.body).toContain(`Closes #${n}`);
  // (the write-back follows the job's write: the comment is edited to link the PR)
  await expect.poll(async () => (await issueOn(n)).issue.comments.map((c) => c.body.includes(built.delivery!.pr!.url))).toEqual([true]);
  await expect.poll(async () => (await issueOn(n)).issue.labels.filter((l) => l.startsWith("agent:"))).toEqual(["agent:run", "agent:running"]);

  // CI passes on the PR's head; Ship in the browser merges it.
  await setCheck(built.delivery!.pr!.headSha, E2E_CHECK, "success");
  await page.goto(at(`/jobs/${id}`));
  const delivery = page.getByTestId("delivery");
  await expect(delivery.getByTestId("pr-checks")).toHaveAttribute("data-value", "passing");
  await expect(delivery.getByTestId("pr-mergeable")).toHaveAttribute("data-value", "clean");
  await page.getByRole("group", { name: "job actions" }).getByRole("button", { name: `Merge PR #${pr!.number} (squash)`, exact: true }).click();
  await expect(header(page)).toHaveAttribute("data-stage", "shipped");

  const merged = await pullFor(branch);
  expect(merged).toMatchObject({ number: pr!.number, merged: true });
  const mergeSha = merged!.mergeSha!;
  expect(await branchSha(merged!.base)).toBe(mergeSha);
  expect((await job(id)).delivery?.mergeSha).toBe(mergeSha);
  await screenshot(page, info, "tracker-job-shipped");

  // The issue: closed as completed, its one comment (edited in place) carrying the merge SHA.
  await expect.poll(async () => (await issueOn(n)).issue.state).toBe("closed");
  const closed = (await issueOn(n)).issue;
  expect(closed.stateReason).toBe("completed");
  expect(closed.comments).toHaveLength(1);
  for (const part of ["Shipped", `\`${mergeSha}\``, `/pull/${pr!.number}`, "Engine: shell"]) expect(closed.comments[0]!.body).toContain(part);
  expect(closed.labels.filter((l) => ["agent:queued", "agent:running", "agent:failed"].includes(l))).toEqual([]);

  // Importing the shipped (closed) item again creates nothing.
  const again = await importItem(itemOf(n));
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({ outcome: "ignored" });
  const mine = await api<{ items: { id: string; manifest?: Record<string, unknown> }[] }>("GET", "/api/fleet/jobs?limit=200");
  expect(mine.body.items.filter((j) => j.manifest?.["tracker-item"] === itemOf(n)).map((j) => j.id)).toEqual([id]);

  expect(await doubleProblems()).toEqual([]);
});

test("an issue edited before its job starts replaces the queued job with one on the new text", async ({ page }, info) => {
  // cap:e2e-no-such-capability: no factory has it, so the job stays queued (it cannot start)
  const body = issueBody("Write the first draft.", ["engine: shell"], "echo first > tracker-draft.txt");
  const filed = await createIssue({ title: "Draft the tracker note", body, labels: ["agent:run", "cap:e2e-no-such-capability"] });
  const n = filed.issue.number;
  const labelled = await issueLabeled(filed, "agent:run");
  expect(labelled.body.tracker?.outcome, JSON.stringify(labelled.body)).toBe("created");
  const oldId = labelled.body.tracker!.jobId!;
  expect((await job(oldId)).stage).toBe("queued");

  // A person edits the body on GitHub; GitHub sends `edited` with the body it had before.
  const newBody = body.replace("Write the first draft.", "Write the second draft, in bold.").replace("echo first", "echo second");
  const edited = await issueBodyEdited(await editIssue(n, { body: newBody }), body);
  expect(edited.status, JSON.stringify(edited.body)).toBe(200);
  expect(edited.body.tracker?.outcome).toBe("created");
  const newId = edited.body.tracker!.jobId!;
  expect(newId).not.toBe(oldId);

  const [old, fresh] = [await job(oldId), await job(newId)];
  expect(old.stage).toBe("cancelled");
  expect(fresh).toMatchObject({ stage: "queued", tracker: { item: itemOf(n) } });
  expect(fresh.manifest).toMatchObject({ "tracker-item": itemOf(n), capabilities: ["e2e-no-such-capability"] });
  expect(fresh.body).toContain("Write the second draft, in bold.");
  expect(fresh.body).toContain("echo second");
  expect(fresh.body).not.toContain("first");

  // GitHub heard: the replaced job's comment says it will not run; the new job has its own, queued
  await expect.poll(async () => (await issueOn(n)).issue.comments.map((c) => [c.body.includes(oldId), c.body.includes(newId)])).toEqual([[true, false], [false, true]]);
  const heard = (await issueOn(n)).issue;
  expect(heard.comments[0]!.body).toContain("Cancelled");
  expect(heard.comments[1]!.body).toContain("Queued");
  await expect.poll(async () => (await issueOn(n)).issue.labels.filter((l) => l.startsWith("agent:"))).toEqual(["agent:run", "agent:queued"]);

  // The browser: the old job cancelled (it says why), the new one queued with the new text.
  await signInAsAdmin(page, `/jobs/${oldId}`);
  await expect(header(page)).toHaveAttribute("data-stage", "cancelled");
  await page.goto(at(`/jobs/${newId}`));
  await expect(header(page)).toHaveAttribute("data-stage", "queued");
  await expect(page.getByRole("region", { name: "Prompt" })).toContainText("Write the second draft, in bold.");
  await expect(page.getByTestId("tracker-item").getByRole("link", { name: itemOf(n) })).toBeVisible();
  await screenshot(page, info, "tracker-job-replaced");

  // Importing the edited item again is the new job.
  expect((await importItem(itemOf(n))).body).toEqual({ outcome: "existing", jobId: newId });

  await api("POST", `/api/fleet/jobs/${newId}/actions`, { action: "cancel", reason: "e2e cleanup" });
  expect(await doubleProblems()).toEqual([]);
});
