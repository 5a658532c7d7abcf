import { expect, test } from "@playwright/test";
import { at, env, getJob, screenshot, signInAsAdmin } from "./support/helpers";

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
