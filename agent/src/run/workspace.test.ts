import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { prepareWorkspace } from "./workspace";
import { commitsSince, listChanges } from "./scope";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function workdir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), "fleet-ws-"));
  dirs.push(d);
  return d;
}
const gitIn = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8" }).trim();

describe.skipIf(process.platform === "win32")("a job with neither repo nor cwd", () => {
  it("runs in a fresh git repository per attempt, with a base commit, so changes and commits are seen", async () => {
    const wd = workdir();
    const a = await prepareWorkspace({ workdir: wd, jobId: "j1", leaseId: "lease-a" });
    const b = await prepareWorkspace({ workdir: wd, jobId: "j1", leaseId: "lease-b" });
    expect(a.cwd).not.toBe(b.cwd);
    expect(a.root).toBe(a.cwd);
    expect(path.dirname(a.cwd)).toBe(path.join(wd, "scratch"));
    expect(a.baseCommit).toMatch(/^[0-9a-f]{40}$/);
    expect(gitIn(a.cwd, "rev-parse", "HEAD")).toBe(a.baseCommit);
    expect(gitIn(a.cwd, "status", "--porcelain")).toBe("");

    writeFileSync(path.join(a.cwd, "hello.txt"), "hi\n");
    expect((await listChanges(a.root!, a.baseCommit)).map((c) => c.path)).toEqual(["hello.txt"]);
    gitIn(a.cwd, "add", "hello.txt");
    gitIn(a.cwd, "commit", "-q", "-m", "add hello");
    expect(await commitsSince(a.root!, a.baseCommit)).toHaveLength(1);
    // The other attempt's directory saw none of it.
    expect(existsSync(path.join(b.cwd, "hello.txt"))).toBe(false);

    await a.cleanup();
    await b.cleanup([]);
    expect(existsSync(a.cwd)).toBe(false);
    expect(existsSync(b.cwd)).toBe(false);
  });

  it("is kept when an artifact points into it, and removed when artifacts point elsewhere", async () => {
    const wd = workdir();
    const kept = await prepareWorkspace({ workdir: wd, jobId: "j2", leaseId: "keep" });
    const gone = await prepareWorkspace({ workdir: wd, jobId: "j2", leaseId: "gone" });
    writeFileSync(path.join(kept.cwd, "report.html"), "<p>ok</p>");
    await kept.cleanup([path.join(kept.cwd, "report.html")]);
    // A sibling whose name starts the same is not "inside".
    await gone.cleanup([path.join(wd, "scratch", "gone-else", "x"), path.join(os.tmpdir(), "elsewhere")]);
    expect(existsSync(path.join(kept.cwd, "report.html"))).toBe(true);
    expect(existsSync(gone.cwd)).toBe(false);
  });

  it("starts over when a leftover of the same lease is there (an agent restarted mid-job)", async () => {
    const wd = workdir();
    const first = await prepareWorkspace({ workdir: wd, jobId: "j3", leaseId: "same" });
    writeFileSync(path.join(first.cwd, "half-done.txt"), "x");
    const again = await prepareWorkspace({ workdir: wd, jobId: "j3", leaseId: "same" });
    expect(again.cwd).toBe(first.cwd);
    expect(existsSync(path.join(again.cwd, "half-done.txt"))).toBe(false);
    await again.cleanup();
  });

  it("a relative cwd without repo is still refused, naming the field", async () => {
    await expect(prepareWorkspace({ workdir: workdir(), jobId: "j4", leaseId: "l", cwd: "rel/dir" })).rejects.toThrow(/cwd "rel\/dir" must be absolute/);
  });
});
