import { expect, test } from "@playwright/test";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { api, at, screenshot, signInAsAdmin } from "./support/helpers";

/**
 * Issue 13, as a newcomer tries it: every shell example in examples/ that names no repository is
 * pasted as it is into *File a task* and runs (a scratch workspace per attempt) until it reaches
 * `review` or `testing`. The list is read from the folder, so a new example is covered without
 * editing this file; the stored log is then fetched through the page's *Download log* link.
 */
const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "examples");

const shellExamples = readdirSync(examples)
  .filter((f) => f.endsWith(".md"))
  .sort()
  .flatMap((file) => {
    const text = readFileSync(path.join(examples, file), "utf8");
    // The front matter alone (the app's own parser runs when the form submits): engine and repo.
    const fm = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
    const m = (fm ? parseYaml(fm[1]!) : {}) as { engine?: unknown; repo?: unknown; verify?: unknown };
    const title = /^# (.+)$/m.exec(fm ? fm[2]! : text)?.[1]?.trim() ?? file;
    return m.engine === "shell" && m.repo === undefined ? [{ file, text, title, verify: m.verify }] : [];
  });

test("the shell examples that name no repository are what a newcomer expects them to be", () => {
  // The two examples the README and `npm start` point a newcomer at; more are welcome.
  expect(shellExamples.map((e) => e.file)).toEqual(expect.arrayContaining(["first-run-shell.md", "hello-shell.md"]));
});

for (const example of shellExamples) {
  test(`examples/${example.file} pasted into File a task reaches review or testing`, async ({ page }, info) => {
    await signInAsAdmin(page, "/new");
    await expect(page.getByRole("heading", { name: "File a task" })).toBeVisible();
    await page.getByRole("tab", { name: "Paste a job file" }).click();
    await page.getByLabel("job file").fill(example.text);
    await page.getByRole("button", { name: "Submit job" }).click();

    await page.waitForURL(/\/jobs\/[^/]+$/);
    const jobId = decodeURIComponent(new URL(page.url()).pathname.split("/").pop()!);
    await expect(page.getByRole("heading", { name: example.title })).toBeVisible();
    // `review-policy: auto` ships a green verify straight on, so shipped counts once it went through testing.
    await expect(page.locator("header [data-stage]").first()).toHaveAttribute("data-stage", /^(review|testing|shipped)$/, { timeout: 60_000 });
    const events = await api<{ items: { type: string; data: { to?: string } }[] }>("GET", `/api/fleet/jobs/${encodeURIComponent(jobId)}/events?limit=1000`);
    const stages = events.body.items.filter((e) => e.type === "stage:changed").map((e) => e.data.to);
    expect(stages, `stage changes of ${jobId}`).toEqual(expect.arrayContaining(["building"]));
    expect(stages.some((s) => s === "review" || s === "testing"), `stage changes of ${jobId}: ${stages.join(" → ")}`).toBe(true);
    expect(stages).not.toContain("dead_letter");
    expect(stages).not.toContain("failed");
    if (example.verify !== undefined) await expect(page.getByTestId("verify-result")).toHaveText(/passed/);
    await screenshot(page, info, `newcomer-${example.file.replace(/\.md$/, "")}`);

    // The whole stored log, as text/plain, from the link on the page (the browser's own session).
    const link = page.getByTestId("download-log");
    await expect(link).toHaveText("Download log");
    const href = await link.getAttribute("href");
    expect(href).toBe(`/api/fleet/jobs/${encodeURIComponent(jobId)}/logs`);
    const res = await page.request.get(at(href!));
    expect(res.status()).toBe(200);
    expect(res.headers()["content-type"]).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text.length, "the example printed something").toBeGreaterThan(0);
    // The page's log tail shows the same first line (colours rendered, so compared without escapes).
    // eslint-disable-next-line no-control-regex
    const firstLine = text.split("\n").find((l) => l.trim() !== "")!.replace(/\u001b\[[0-9;]*m/g, "").trim();
    await expect(page.getByRole("log", { name: "job log" })).toContainText(firstLine);
  });
}
