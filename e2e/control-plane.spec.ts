import { expect, test } from "@playwright/test";
import { api, at, becomeRole, env, getJob, screenshot, signInAsAdmin, submit } from "./support/helpers";

test("sign in, file a task through the form, watch it placed and its log live, verify passes, ship it", async ({ page }, info) => {
  await signInAsAdmin(page, "/new");
  await expect(page.getByRole("heading", { name: "File a task" })).toBeVisible();

  // Validation as you type comes from the shared schema.
  const retries = page.getByLabel("Retries (max)");
  await retries.fill("two");
  await expect(page.locator("#retry\\.max-error")).toBeVisible();
  await expect(page.getByRole("button", { name: "Submit job" })).toBeDisabled();
  await retries.fill("");

  await page.getByLabel("Title").fill("E2E hello from the form");
  await page.getByLabel("Prompt (markdown)").fill(
    ["echo 'e2e line one'", "sleep 1", "printf '\\033[31mred line\\033[0m\\n'", "echo 'e2e line three'", "mkdir -p src && echo ok > src/done.txt"].join("\n"),
  );
  await page.getByLabel("Engine", { exact: true }).fill("shell");
  await page.getByLabel("Repository").fill(env().repo);
  await page.getByLabel("Allowed scope (globs)").fill("src/**");
  await page.getByLabel("Verify command").fill("test -f src/done.txt");
  await page.getByLabel("Review policy").selectOption("manual");
  await expect(page.getByTestId("job-file-preview")).toContainText("engine: shell");
  await screenshot(page, info, "new-job-form");
  await page.getByRole("button", { name: "Submit job" }).click();

  await page.waitForURL(/\/jobs\/[^/]+$/);
  const jobId = decodeURIComponent(new URL(page.url()).pathname.split("/").pop()!);
  await expect(page.getByRole("heading", { name: "E2E hello from the form" })).toBeVisible();

  // Placed on the one factory, with the scheduler's reasons; the log arrives over SSE.
  await expect(page.getByTestId("explanation")).toContainText(`placed on ${env().factory}`);
  const log = page.getByRole("log", { name: "job log" });
  await expect(log).toContainText("e2e line one");
  await expect(log).toContainText("e2e line three");
  await expect(log.locator("span[style*='color']", { hasText: "red line" })).toBeVisible();
  await expect(page.getByTestId("verify-result")).toHaveText(/passed/);
  await expect(page.locator("header [data-stage]").first()).toHaveAttribute("data-stage", /review|testing/);
  // The scope report lists the change, inside allowed-scope.
  await expect(page.getByRole("list", { name: "changed files" })).toContainText("src/done.txt");
  await expect(page.locator("[data-out-of-scope]")).toHaveCount(0);
  await screenshot(page, info, "job-detail-before-ship");

  await page.getByRole("button", { name: "Ship" }).click();
  await expect(page.locator("header [data-stage]").first()).toHaveAttribute("data-stage", "shipped");
  await expect(page.getByRole("group", { name: "job actions" })).toHaveCount(0);
  expect((await getJob(jobId)).stage).toBe("shipped");
  await screenshot(page, info, "job-detail-shipped");

  // The table finds it by text, server-side.
  await page.goto(at("/jobs"));
  await page.getByLabel("search jobs").fill("E2E hello");
  await expect(page.getByRole("link", { name: "E2E hello from the form" })).toBeVisible();
  await expect(page.locator(`tr[data-job-id="${jobId}"] [data-stage="shipped"]`)).toBeVisible();
  await screenshot(page, info, "jobs-table");

  for (const [p, name] of [["/", "overview"], ["/costs", "costs"], ["/admin", "admin"]] as const) {
    await page.goto(at(p));
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await screenshot(page, info, name);
  }
});

test("a job no factory can take says why, per factory, on its page and in the table", async ({ page }, info) => {
  // The e2e factory is Linux with a shell engine: it has neither Xcode nor a GPU, and the page must
  // list both failed constraints, not just the first.
  const job = await submit(`---\nengine: shell\nrepo: ${env().repo}\ncapabilities: [has:xcode, gpu]\n---\n\n# Needs a Mac with a GPU\n\necho never\n`);
  try {
    await signInAsAdmin(page, `/jobs/${job.id}`);
    await expect(page.getByTestId("explanation")).toContainText("waiting because no factory has");
    const constraints = page.getByRole("table", { name: "Each factory's failed constraints" });
    const rows = constraints.locator(`tr[data-factory="${env().factory}"]`);
    await expect(rows).toHaveCount(2);
    await expect(rows.filter({ hasText: "capability_missing" })).toContainText("needs has:xcode");
    await expect(rows.filter({ hasText: "gpu_missing" })).toContainText("needs gpu");
    await screenshot(page, info, "job-detail-unplaceable");

    await page.goto(at("/jobs?q=Needs%20a%20Mac"));
    await expect(page.locator(`tr[data-job-id="${job.id}"]`).getByTestId("row-pending-reason")).toContainText("has:xcode");
    await screenshot(page, info, "jobs-table-pending-reason");
  } finally {
    await api("POST", `/api/fleet/jobs/${job.id}/actions`, { action: "cancel", reason: "e2e cleanup" });
  }
});

test("a change outside allowed-scope: an operator's ship is refused with the files, an admin overrides with a reason", async ({ page, context }, info) => {
  // The shell engine runs the body: it writes one file in scope and one outside it.
  const job = await submit(
    `---\nengine: shell\nrepo: ${env().repo}\nallowed-scope: [src/**]\nreview-policy: manual\n---\n\n# Strays outside its scope\n\nmkdir -p src && echo ok > src/in.txt\necho stray > outside.txt\n`,
  );
  await expect.poll(async () => (await getJob(job.id)).stage).toBe("review");

  await becomeRole(context, "operator");
  await page.goto(at(`/jobs/${job.id}`));
  await expect(page.getByTestId("signed-in-as")).toContainText("operator");
  await page.getByRole("button", { name: "Ship", exact: true }).click();
  const refused = page.getByRole("alert", { name: "ship refused" });
  await expect(refused.getByRole("list", { name: "files outside allowed scope" })).toHaveText("outside.txt");
  await expect(refused.getByRole("button", { name: "Override and ship" })).toHaveCount(0);
  expect((await getJob(job.id)).stage).toBe("review");
  await screenshot(page, info, "job-detail-scope-refused-operator");

  await context.clearCookies();
  await signInAsAdmin(page, `/jobs/${job.id}`);
  await page.getByRole("button", { name: "Ship", exact: true }).click();
  const override = page.getByRole("alert", { name: "ship refused" }).getByRole("button", { name: "Override and ship" });
  await expect(override).toBeDisabled();
  await page.getByLabel("override reason").fill("e2e: the stray file is expected");
  await screenshot(page, info, "job-detail-scope-override-admin");
  await override.click();
  await expect(page.locator("header [data-stage]").first()).toHaveAttribute("data-stage", "shipped");
  expect((await getJob(job.id)).stage).toBe("shipped");
});

test("over budget: Resume says why it is refused and resumes with a raised budget; a dead letter shows its attempts from the alert", async ({ page }, info) => {
  const overBudget = await submit(`---\nengine: shell\nrepo: ${env().repo}\nbudget: {wall: 2s}\n---\n\n# Runs past its wall budget\n\necho start\nsleep 4\necho end\n`);
  const hopeless = await submit(
    `---\nengine: shell\nrepo: ${env().repo}\nverify: "false"\nretry: {max: 1, backoff: 1s, on: [verify_failed]}\n---\n\n# Never passes verify\n\necho trying\n`,
  );
  await expect.poll(async () => (await getJob(overBudget.id)).stage).toBe("paused");

  await signInAsAdmin(page, `/jobs/${overBudget.id}`);
  const actions = page.getByRole("group", { name: "job actions" });
  await actions.getByRole("button", { name: "Resume" }).click();
  await expect(page.getByRole("alert", { name: "action refused" })).toContainText("still over budget");
  const raise = page.getByRole("form", { name: "resume with a raised budget" });
  await raise.getByLabel("New wall-time budget").fill("1h");
  await screenshot(page, info, "job-detail-budget-paused");
  await raise.getByRole("button", { name: "Resume with raised budget" }).click();
  await expect(page.locator("header [data-stage]").first()).not.toHaveAttribute("data-stage", "paused");
  await api("POST", `/api/fleet/jobs/${overBudget.id}/actions`, { action: "cancel", reason: "e2e cleanup" });

  await expect.poll(async () => (await getJob(hopeless.id)).stage).toBe("dead_letter");
  await page.goto(at("/"));
  const alerts = page.getByRole("status", { name: "alerts" });
  await alerts.getByRole("button", { name: /alerts?$/ }).click();
  await alerts.getByRole("listitem").filter({ hasText: "Never passes verify" }).getByRole("link", { name: "open job" }).click();
  await expect(page).toHaveURL(new RegExp(`/jobs/${hopeless.id}$`));
  await expect(page.getByTestId("dead-letter-cause")).toContainText("retries exhausted");
  const attempts = page.getByRole("table", { name: "attempts" }).locator("tbody tr");
  await expect(attempts).toHaveCount(2);
  await expect(attempts.first()).toContainText("failed (exit 1)");
  await expect(attempts.first()).toContainText("trying");
  await screenshot(page, info, "job-detail-dead-letter");
});
