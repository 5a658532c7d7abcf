import { expect, test } from "@playwright/test";
import { at, env, getJob, screenshot, signInAsAdmin, submit } from "./support/helpers";

/**
 * Issue 15 §6 in the browser: a screenshot the real agent uploaded before deleting its worktree is
 * shown on the job page as an image the browser really decoded, from the download route.
 */
const PNG_1X1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

test("a screenshot uploaded by the agent is shown inline on the job page after its worktree is gone", async ({ page }, info) => {
  const job = await submit(
    [
      "---",
      "engine: shell",
      `repo: ${env().repo}`,
      "artifacts: [screenshots]",
      "review-policy: manual",
      "---",
      "# E2E screenshot artifact",
      "",
      "mkdir -p screenshots",
      `echo '${PNG_1X1}' | base64 -d > screenshots/home.png`,
      "",
    ].join("\n"),
  );
  await expect.poll(async () => (await getJob(job.id)).stage, { timeout: 60_000 }).toMatch(/review|testing/);

  await signInAsAdmin(page, `/jobs/${job.id}`);
  const img = page.getByRole("img", { name: "artifact screenshots/home.png" });
  await expect(img).toBeVisible();
  // Decoded by the browser: the bytes arrived whole and as image/png.
  await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(1);
  await screenshot(page, info, "job-artifact-image");

  // The very bytes the job wrote, though its worktree is gone.
  const src = await img.getAttribute("src");
  const r = await fetch(at(src!), { headers: { authorization: `Bearer ${env().adminToken}` } });
  expect(r.headers.get("content-type")).toBe("image/png");
  expect(Buffer.from(await r.arrayBuffer()).equals(Buffer.from(PNG_1X1, "base64"))).toBe(true);
});
