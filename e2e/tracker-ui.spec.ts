import { expect, test } from "@playwright/test";
import { api, at, screenshot, signInAsAdmin, submit } from "./support/helpers";

/**
 * Issue 16 item 7 (and item 2's form field) in a real browser against the built app, whose
 * coordinator runs with GITHUB_TOKEN set (the suite's GitHub double) and no Linear key: Admin shows
 * the GitHub tracker connected with its token only as "set"; the File a task page's *Import from
 * tracker* field shows the import route's refusal naming the field; the jobs table filters by the
 * tracker a job came from, and by part of its item id, keeping the filter in the URL.
 */

test("Admin shows the GitHub tracker connected, its token only as set, and Linear as not connected", async ({ page }, info) => {
  await signInAsAdmin(page, "/admin");
  const panel = page.getByRole("region", { name: "Trackers" });
  const github = panel.locator('[data-tracker="github"]');
  await expect(github).toBeVisible();
  await expect(github.getByRole("heading", { name: /GitHub Issues/ })).toContainText("connected");
  await expect(github.getByTestId("tracker-credential")).toHaveText("set");
  await expect(github.getByRole("rowheader", { name: "GITHUB_TOKEN" })).toBeVisible();
  await expect(github.getByTestId("tracker-webhook-secret")).toHaveText("set");
  await expect(github.getByTestId("tracker-webhooks")).toContainText("in the last 24h");
  await expect(github.getByTestId("tracker-outbox")).toBeVisible();
  await expect(panel.locator('[data-tracker-unconfigured="linear"]')).toContainText("LINEAR_API_KEY");
  // no credential value anywhere on the page (the double's token is a github_pat_… like a real one)
  expect(await page.content()).not.toMatch(/github_pat_/);
  await screenshot(page, info, "admin-trackers");
});

test("the Import from tracker field shows the import route's refusal naming the field", async ({ page }, info) => {
  await signInAsAdmin(page, "/new");
  const field = page.getByRole("textbox", { name: "tracker item to import" });
  await expect(field).toBeEnabled();
  await expect(page.getByTestId("tracker-import-hint")).toContainText("GitHub");

  await field.fill("github:acme/not an id#x");
  await page.getByRole("button", { name: "Import", exact: true }).click();
  const error = page.getByTestId("tracker-import-error");
  await expect(error).toContainText("item:");
  await expect(error).toContainText("is not a GitHub item");
  await expect(field).toHaveAttribute("aria-invalid", "true");
  await screenshot(page, info, "tracker-import-malformed");

  // a well-formed id of a tracker that is not connected: refused, naming the field and what to set
  await field.fill("linear:ENG-42");
  await page.getByRole("button", { name: "Import", exact: true }).click();
  await expect(error).toContainText("item: no tracker adapter serves this item");
  // nothing was created
  expect((await api<{ items: unknown[] }>("GET", "/api/fleet/jobs?item=ENG-42")).body.items).toEqual([]);
});

test("the jobs table filters by the tracker a job came from and by part of its item id", async ({ page }, info) => {
  const run = Date.now().toString(36).slice(-5).toUpperCase();
  // An engine no factory has keeps both queued (no run, no write-back); Linear is not connected,
  // so its item is only a label on the job.
  const fromLinear = await submit(`---\nengine: no-such-engine\ntracker-item: linear:TUI${run}-7\n---\n\n# From Linear ${run}\n\nDo it.\n`);
  const plain = await submit(`---\nengine: no-such-engine\n---\n\n# From no tracker ${run}\n\nDo it.\n`);
  try {
    await signInAsAdmin(page, "/jobs");
    const row = (id: string) => page.locator(`tr[data-job-id="${id}"]`);
    await expect(row(fromLinear.id)).toBeVisible();
    await expect(row(plain.id)).toBeVisible();
    await expect(row(fromLinear.id).getByTestId("row-tracker")).toHaveText(`linear:TUI${run}-7`);

    const tracker = page.getByRole("combobox", { name: "filter by tracker" });
    await tracker.selectOption("linear");
    await expect(page).toHaveURL(/[?&]tracker=linear/);
    await expect(row(fromLinear.id)).toBeVisible();
    await expect(row(plain.id)).toHaveCount(0);

    await tracker.selectOption("none");
    await expect(page).toHaveURL(/[?&]tracker=none/);
    await expect(row(plain.id)).toBeVisible();
    await expect(row(fromLinear.id)).toHaveCount(0);

    // back to every source, then part of the item id (any case)
    await tracker.selectOption("");
    const item = page.getByRole("textbox", { name: "filter by tracker item" });
    await item.fill(`tui${run}`.toLowerCase());
    await item.press("Enter");
    await expect(page).toHaveURL(new RegExp(`[?&]item=tui${run.toLowerCase()}`));
    await expect(row(fromLinear.id)).toBeVisible();
    await expect(row(plain.id)).toHaveCount(0);
    await screenshot(page, info, "jobs-filter-tracker-item");

    // the filter is in the URL: a shared link opens the same view
    await page.goto(at(`/jobs?tracker=linear&item=TUI${run}`));
    await expect(page.getByRole("combobox", { name: "filter by tracker" })).toHaveValue("linear");
    await expect(row(fromLinear.id)).toBeVisible();
    await expect(row(plain.id)).toHaveCount(0);
  } finally {
    for (const j of [fromLinear, plain]) await api("POST", `/api/fleet/jobs/${j.id}/actions`, { action: "cancel", reason: "e2e cleanup" });
  }
});
