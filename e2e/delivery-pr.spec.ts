import { expect, test, type Page } from "@playwright/test";
import { E2E_ROUNDS_ENGINE } from "./support/github";
import { branchSha, doubleProblems, githubRepoUrl, pullFor, runCi } from "./support/github-control";
import { api, at, becomeRole, screenshot, signInAsAdmin, submit } from "./support/helpers";

/**
 * Issue 15, done when: a job runs on the local factory against a repository on GitHub (the API
 * double, its git served over HTTP), its pull request appears on the job page with its state, Ship
 * says it will merge the PR; a failed required check (the repository's CI, run by the spec on the
 * commit GitHub holds: it wants two rounds in rounds.txt) blocks Ship with the reason beside the
 * button and queues a follow-up job that continues the branch; its commit passes CI, and Ship
 * merges the PR through the forge and the page shows the merge SHA. The PR is refreshed by the
 * coordinator's poller (FLEET_GITHUB_POLL_MS, short in the suite).
 */

interface PrJson {
  number: number;
  url: string;
  state: string;
  headSha: string;
  checks: string;
  error?: { reason: string; message: string };
}
interface DeliveredJob {
  id: string;
  stage: string;
  delivery?: { branch: string; headSha?: string; mergeSha?: string; followUps?: string[]; shipLabel: string; pr?: PrJson };
  followUpOf?: { of: string; reason: string; round: number };
}
const job = async (id: string) => (await api<DeliveredJob>("GET", `/api/fleet/jobs/${id}`)).body;
const header = (page: Page) => page.locator("header [data-stage]").first();

test("a job's pull request on the job page: a failing check blocks Ship and a follow-up fixes it, then Ship merges and shows the SHA", async ({ page }, info) => {
  test.setTimeout(180_000);
  // The scripted engine appends a line to rounds.txt each round (support/github.ts); retry.max
  // bounds the review loop's automatic rounds.
  const submitted = await submit(`---\nengine: ${E2E_ROUNDS_ENGINE}\nrepo: ${githubRepoUrl()}\nreview-policy: manual\nretry: {max: 2}\n---\n\n# Add the greeting\n\nAdd a line to rounds.txt.\n`);

  // The factory pushes the branch and the coordinator opens the PR once the job is in review.
  await expect.poll(async () => (await job(submitted.id)).delivery?.pr?.number, { timeout: 60_000 }).toBeGreaterThan(0);
  const opened = await job(submitted.id);
  const pr = opened.delivery!.pr!;
  const branch = opened.delivery!.branch;
  expect(await branchSha(branch)).toBe(pr.headSha);

  await signInAsAdmin(page, `/jobs/${submitted.id}`);
  const delivery = page.getByTestId("delivery");
  const link = delivery.getByTestId("pr-link");
  await expect(link).toHaveText(`#${pr.number}`);
  await expect(link).toHaveAttribute("href", pr.url);
  await expect(link).toHaveAttribute("target", "_blank");
  await expect(delivery.locator("[data-pr-state]")).toHaveAttribute("data-pr-state", "open");
  await expect(delivery.getByTestId("delivery-branch")).toHaveText(branch);
  const actions = page.getByRole("group", { name: "job actions" });
  const ship = actions.getByRole("button", { name: `Merge PR #${pr.number} (squash)`, exact: true });
  await expect(ship).toBeVisible();
  await screenshot(page, info, "delivery-pr-open");

  // CI fails the required check on the PR's head (one round only); the poller reads it back.
  expect(await runCi(pr.headSha)).toEqual({ conclusion: "failure", rounds: 1 });
  await expect(delivery.getByTestId("pr-checks")).toHaveAttribute("data-value", "failing", { timeout: 30_000 });
  await expect(delivery.getByTestId("pr-checks")).toHaveText(/failing/);

  // Ship is refused by the forge, with the reason beside the button and what to do next.
  await ship.click();
  const refusal = page.getByTestId("ship-refusal");
  await expect(refusal).toHaveAttribute("data-reason", "checks_failing");
  await expect(refusal).toContainText("checks failing");
  await expect(refusal).toContainText("follow-up job");
  expect((await job(submitted.id)).stage).not.toBe("shipped");
  await screenshot(page, info, "delivery-pr-checks-failing");

  // The review loop queued a follow-up on the same branch; the page links to it, and it links back.
  await expect.poll(async () => (await job(submitted.id)).delivery?.followUps?.length ?? 0, { timeout: 30_000 }).toBeGreaterThan(0);
  const followUpId = (await job(submitted.id)).delivery!.followUps![0]!;
  const followUps = delivery.getByRole("list", { name: "Follow-up jobs" });
  await expect(followUps.getByRole("link", { name: followUpId })).toBeVisible({ timeout: 15_000 });
  await followUps.getByRole("link", { name: followUpId }).click();
  await expect(page).toHaveURL(new RegExp(`/jobs/${followUpId}$`));
  const back = page.getByTestId("follow-up-of");
  await expect(back).toContainText("checks failed");
  await expect(back).toContainText("round 1");
  await expect(back.getByRole("link", { name: submitted.id })).toHaveAttribute("href", `/jobs/${submitted.id}`);

  // The follow-up runs on the factory and pushes a new head to the same branch.
  await expect.poll(async () => await branchSha(branch), { timeout: 60_000 }).not.toBe(pr.headSha);
  await expect.poll(async () => (await job(followUpId)).stage, { timeout: 60_000 }).toMatch(/^(review|testing|shipped)$/);
  await screenshot(page, info, "delivery-pr-follow-up");
  const fixedHead = (await branchSha(branch))!;

  // CI passes on the fixed head; back on the job, the PR reads passing and Ship merges it.
  expect(await runCi(fixedHead)).toEqual({ conclusion: "success", rounds: 2 });
  await back.getByRole("link", { name: submitted.id }).click();
  await expect(page).toHaveURL(new RegExp(`/jobs/${submitted.id}$`));
  await expect(delivery.getByTestId("pr-checks")).toHaveAttribute("data-value", "passing", { timeout: 30_000 });
  await expect(delivery.getByTestId("pr-mergeable")).toHaveAttribute("data-value", "clean");
  await actions.getByRole("button", { name: `Merge PR #${pr.number} (squash)`, exact: true }).click();
  await expect(header(page)).toHaveAttribute("data-stage", "shipped");
  await expect(delivery.locator("[data-pr-state]")).toHaveAttribute("data-pr-state", "merged");

  const merged = await pullFor(branch);
  expect(merged).toMatchObject({ number: pr.number, merged: true });
  const mergeSha = merged!.mergeSha!;
  expect(await branchSha(merged!.base)).toBe(mergeSha);
  await expect(delivery.getByTestId("delivery-merge")).toHaveText(mergeSha.slice(0, 12));
  await expect(delivery.getByTestId("delivery-merge")).toHaveAttribute("title", mergeSha);
  await expect(page.getByTestId("ship-refusal")).toHaveCount(0);
  await screenshot(page, info, "delivery-pr-merged");

  // The jobs table's PR column: #N linked to the forge, its state as a badge.
  await page.goto(at("/jobs?q=Add%20the%20greeting"));
  const row = page.locator(`tr[data-job-id="${submitted.id}"]`);
  await expect(row.getByTestId("pr-link")).toHaveText(`#${pr.number}`);
  await expect(row.getByTestId("pr-link")).toHaveAttribute("href", pr.url);
  await expect(row.locator("[data-pr-state]")).toHaveAttribute("data-pr-state", "merged");
  await screenshot(page, info, "jobs-table-pr-column");

  // Every request the coordinator made of GitHub, and every answer, matched GitHub's description.
  expect(await doubleProblems()).toEqual([]);
});

test("an operator requests changes from the job page: the comment is required, and a follow-up on the branch gets it as its prompt", async ({ page, context }, info) => {
  test.setTimeout(120_000);
  const submitted = await submit(`---\nengine: ${E2E_ROUNDS_ENGINE}\nrepo: ${githubRepoUrl()}\nreview-policy: manual\n---\n\n# Rename the greeting\n\nAdd a line to rounds.txt.\n`);
  await expect.poll(async () => (await job(submitted.id)).delivery?.pr?.number, { timeout: 60_000 }).toBeGreaterThan(0);

  await becomeRole(context, "operator");
  await page.goto(at(`/jobs/${submitted.id}`));
  await expect(page.getByTestId("signed-in-as")).toContainText("operator");
  const open = page.getByRole("group", { name: "job actions" }).getByRole("button", { name: "Request changes" });
  await expect(open).toHaveAttribute("aria-expanded", "false");
  await open.click();
  await expect(open).toHaveAttribute("aria-expanded", "true");
  const form = page.getByRole("form", { name: "request changes" });
  const comment = form.getByLabel("What should change");
  await expect(comment).toBeFocused();
  // Sent empty: refused in the page, nothing posted.
  await form.getByRole("button", { name: "Send to the agent" }).click();
  await expect(form).toContainText("Say what should change");
  await expect(comment).toHaveAttribute("aria-invalid", "true");
  expect((await job(submitted.id)).delivery?.followUps ?? []).toEqual([]);

  await comment.fill("Say hello in French as well.");
  await form.getByRole("button", { name: "Send to the agent" }).click();
  await expect(form).toHaveCount(0);
  const followUps = page.getByTestId("delivery").getByRole("list", { name: "Follow-up jobs" });
  await expect(followUps.getByRole("link")).toHaveCount(1);
  await screenshot(page, info, "delivery-pr-request-changes");
  const followUpId = (await job(submitted.id)).delivery!.followUps![0]!;

  // The follow-up says where it comes from and carries the comment; it is not shipped itself.
  await followUps.getByRole("link", { name: followUpId }).click();
  await expect(page).toHaveURL(new RegExp(`/jobs/${followUpId}$`));
  await expect(page.getByTestId("follow-up-of")).toContainText("changes were requested");
  await expect(page.getByRole("region", { name: "Prompt" })).toContainText("Say hello in French as well.");
  await expect.poll(async () => (await job(followUpId)).stage, { timeout: 60_000 }).toMatch(/^(review|testing)$/);
  await expect(page.locator("header [data-stage]").first()).toHaveAttribute("data-stage", /review|testing/);
  const actions = page.getByRole("group", { name: "job actions" });
  await expect(actions.getByRole("button", { name: "Cancel" })).toBeVisible();
  await expect(actions.locator('[data-action="ship"]')).toHaveCount(0);
  await expect(actions.getByRole("button", { name: "Request changes" })).toHaveCount(0);

  for (const id of [followUpId, submitted.id]) await api("POST", `/api/fleet/jobs/${id}/actions`, { action: "cancel", reason: "e2e cleanup" });
  expect(await doubleProblems()).toEqual([]);
});
