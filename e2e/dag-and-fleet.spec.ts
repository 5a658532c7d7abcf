import { expect, test } from "@playwright/test";
import { api, at, env, getJob, screenshot, signInAsAdmin, submit } from "./support/helpers";

const job = (key: string, title: string, deps: string[], script: string) =>
  `---\nengine: shell\nrepo: ${env().repo}\nproduct: dag-e2e\nidempotency-key: ${key}\n${deps.length ? `deps: [${deps.join(", ")}]\n` : ""}---\n\n# ${title}\n\n${script}\n`;

test("the DAG view shows a three-job chain in order", async ({ page }, info) => {
  // Submitted last-first so the layout cannot just follow submission order.
  const c = await submit(job("chain-c", "Chain C", ["chain-b"], "echo c"));
  const b = await submit(job("chain-b", "Chain B", ["chain-a"], "echo b"));
  const a = await submit(job("chain-a", "Chain A", [], "echo a"));
  expect(new Set([a.id, b.id, c.id]).size).toBe(3);

  await signInAsAdmin(page, "/dag?product=dag-e2e");
  const order = page.getByRole("list", { name: "jobs in dependency order" });
  await expect(order.getByRole("listitem")).toHaveCount(3);
  const labels = await order.getByRole("listitem").allTextContents();
  expect(labels.map((l) => l.split(" · ")[0])).toEqual(["Chain A", "Chain B", "Chain C"]);
  const xs = await order.getByRole("listitem").evaluateAll((items) => items.map((i) => Number(i.getAttribute("data-x"))));
  expect(xs[0]).toBeLessThan(xs[1]!);
  expect(xs[1]).toBeLessThan(xs[2]!);
  await expect(page.locator(".react-flow__node")).toHaveCount(3);
  await expect(page.locator(".react-flow__edge")).toHaveCount(2);
  await screenshot(page, info, "dag");

  // A node click opens the job.
  await page.locator(".react-flow__node", { hasText: "Chain A" }).click();
  await expect(page).toHaveURL(new RegExp(`/jobs/${a.id}$`));

  // The jobs table sorts on the server and keeps the sort in the URL. Newest first by default (the
  // chain was submitted C, B, A, so that reads A, B, C); only a real title sort turns it to C, B, A.
  await page.goto(at("/jobs?product=dag-e2e"));
  const titles = page.locator("tbody tr a");
  await expect(titles).toHaveText(["Chain A", "Chain B", "Chain C"]);
  await page.getByRole("button", { name: "sort by Title" }).click();
  await expect(page).toHaveURL(/[?&]sort=title&order=asc/);
  await expect(page.getByRole("columnheader", { name: /Title/ })).toHaveAttribute("aria-sort", "ascending");
  await expect(titles).toHaveText(["Chain A", "Chain B", "Chain C"]);
  await page.getByRole("button", { name: "sort by Title" }).click();
  await expect(page).toHaveURL(/[?&]sort=title&order=desc/);
  await expect(titles).toHaveText(["Chain C", "Chain B", "Chain A"]);
  // A reload (or a shared link) opens the same order.
  await page.reload();
  await expect(titles).toHaveText(["Chain C", "Chain B", "Chain A"]);
  await screenshot(page, info, "jobs-table-sorted");
});

test("the fleet map shows the factory and its busy station", async ({ page }, info) => {
  const long = await submit(`---\nengine: shell\nrepo: ${env().repo}\ntimeout: 2m\n---\n\n# Keeps a station busy\n\necho started\nsleep 60\n`);
  await expect.poll(async () => (await getJob(long.id)).stage).toBe("building");

  await signInAsAdmin(page, "/fleet");
  const card = page.getByRole("article", { name: `factory ${env().factory}` });
  await expect(card).toBeVisible();
  await expect(card.getByTestId("factory-status")).toHaveText("ONLINE");
  await expect(card.locator('[data-engine="shell"]')).toHaveAttribute("data-busy", /^[12]$/);
  await expect(card.getByRole("link", { name: "Keeps a station busy" })).toBeVisible();
  await screenshot(page, info, "fleet");

  const r = await api("POST", `/api/fleet/jobs/${long.id}/actions`, { action: "cancel", reason: "e2e cleanup" });
  expect(r.status).toBe(200);
  await expect(card.locator('[data-engine="shell"]')).toHaveAttribute("data-busy", "0");
});
