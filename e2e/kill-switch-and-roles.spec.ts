import { expect, test } from "@playwright/test";
import { api, at, becomeViewer, env, getJob, screenshot, signInAsAdmin, submit } from "./support/helpers";

interface Factory {
  name: string;
  lastHeartbeatAt: string;
}

async function heartbeatOf(name: string): Promise<number> {
  const r = await api<{ items: Factory[] }>("GET", "/api/fleet/factories");
  const f = r.body.items.find((x) => x.name === name);
  return f ? Date.parse(f.lastHeartbeatAt) : 0;
}

test("the kill switch stops a queued job from being claimed until lifted", async ({ page }, info) => {
  page.on("dialog", (d) => void d.accept());
  await signInAsAdmin(page, "/admin");
  await page.getByLabel("kill switch reason").fill("e2e maintenance");
  await page.getByRole("button", { name: "Turn kill switch on" }).click();
  await expect(page.getByTestId("kill-switch-banner")).toContainText("e2e maintenance");
  await expect(page.getByTestId("kill-switch-state")).toContainText("ON");

  const job = await submit(`---\nengine: shell\nrepo: ${env().repo}\n---\n\n# Held by the kill switch\n\necho ran\n`);
  // Wait until the factory has heartbeated (and so polled for work) twice after the submission;
  // the job must still be queued: the switch, not timing, is what holds it.
  const submittedAt = Date.now();
  await expect.poll(() => heartbeatOf(env().factory)).toBeGreaterThan(submittedAt + 1000);
  expect((await getJob(job.id)).stage).toBe("queued");

  // The banner is on every page.
  await page.goto(at(`/jobs/${job.id}`));
  await expect(page.getByTestId("kill-switch-banner")).toBeVisible();
  await screenshot(page, info, "kill-switch-banner");

  await page.goto(at("/admin"));
  await page.getByRole("button", { name: "Lift kill switch" }).click();
  await expect(page.getByTestId("kill-switch-banner")).toHaveCount(0);
  await expect.poll(async () => (await getJob(job.id)).stage).not.toBe("queued");

  // Per-product pause: each product the fleet has jobs for, with its own switch and the banner.
  const product = page.getByRole("table", { name: "products" }).locator('tr[data-product="default"]');
  await product.getByRole("button", { name: "Pause default" }).click();
  await expect(product).toHaveAttribute("data-paused", "true");
  await expect(page.getByRole("status").filter({ hasText: "Paused products: default" })).toBeVisible();
  await screenshot(page, info, "admin-product-paused");
  const held = await submit(`---\nengine: shell\nrepo: ${env().repo}\n---\n\n# Held by the product pause\n\necho ran\n`);
  const pausedAt = Date.now();
  await expect.poll(() => heartbeatOf(env().factory)).toBeGreaterThan(pausedAt + 1000);
  expect((await getJob(held.id)).stage).toBe("queued");
  await product.getByRole("button", { name: "Resume default" }).click();
  await expect(product).toHaveAttribute("data-paused", "false");
  await expect.poll(async () => (await getJob(held.id)).stage).not.toBe("queued");
});

test("a viewer sees no action buttons and is refused if it calls the action anyway", async ({ page, context }, info) => {
  const job = await submit(`---\nengine: shell\nrepo: ${env().repo}\nreview-policy: manual\n---\n\n# Waiting for a person\n\necho done\n`);
  await expect.poll(async () => (await getJob(job.id)).stage).toMatch(/review|testing/);

  await becomeViewer(context);
  await page.goto(at(`/jobs/${job.id}`));
  await expect(page.getByTestId("signed-in-as")).toContainText("viewer");
  await expect(page.getByRole("heading", { name: "Waiting for a person" })).toBeVisible();
  await expect(page.getByRole("group", { name: "job actions" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Ship" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "File a task" })).toHaveCount(0);
  await screenshot(page, info, "viewer-job-detail");

  const refused = await page.request.post(at(`/api/fleet/jobs/${job.id}/actions`), {
    data: { action: "ship" },
    headers: { origin: new URL(env().url).origin },
  });
  expect(refused.status()).toBe(403);
  expect((await getJob(job.id)).stage).toMatch(/review|testing/);

  // The jobs table offers no selection or bulk actions to a viewer either.
  await page.goto(at("/jobs"));
  await expect(page.getByRole("link", { name: "Waiting for a person" })).toBeVisible();
  await expect(page.getByRole("checkbox")).toHaveCount(0);
  // And operator-only pages say no on the server.
  await page.goto(at("/new"));
  await expect(page.getByText("This page needs the operator role")).toBeVisible();
});
