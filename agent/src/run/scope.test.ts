import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { diffSince } from "./artifacts";
import { commitLeftovers, commitsSince, escapesRoot, listChanges, scopeReport } from "./scope";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const sh = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@e", ...args], { cwd, encoding: "utf8" }).trim();

function repo() {
  const base = realpathSync(mkdtempSync(path.join(os.tmpdir(), "fleet-scope-")));
  dirs.push(base);
  const root = path.join(base, "repo");
  mkdirSync(path.join(root, "src"), { recursive: true });
  mkdirSync(path.join(root, "docs"));
  writeFileSync(path.join(root, "src/a.ts"), "a\n");
  writeFileSync(path.join(root, "src/b.ts"), "b\n".repeat(20));
  writeFileSync(path.join(root, "docs/old.md"), "old\n".repeat(20));
  writeFileSync(path.join(root, "README.md"), "readme\n");
  writeFileSync(path.join(root, ".gitignore"), "node_modules/\n");
  sh(root, "init", "-q", "-b", "main");
  sh(root, "add", "-A");
  sh(root, "commit", "-q", "-m", "init");
  return { base, root, head: sh(root, "rev-parse", "HEAD") };
}

describe("scope report", () => {
  it("lists modified, added, deleted, renamed (both names) and untracked paths, committed or not", async () => {
    const { root, head } = repo();
    writeFileSync(path.join(root, "src/a.ts"), "changed\n"); // modified
    unlinkSync(path.join(root, "README.md")); // deleted
    renameSync(path.join(root, "docs/old.md"), path.join(root, "docs/new.md"));
    sh(root, "add", "-A", "docs");
    writeFileSync(path.join(root, "src/new.ts"), "new\n"); // untracked
    mkdirSync(path.join(root, "node_modules"));
    writeFileSync(path.join(root, "node_modules/x.js"), "ignored\n");
    writeFileSync(path.join(root, "src/c.ts"), "c\n");
    sh(root, "add", "src/c.ts");
    sh(root, "commit", "-q", "-m", "add c"); // committed during the run

    const changes = await listChanges(root, head);
    const by = Object.fromEntries(changes.map((c) => [c.path, c]));
    expect(by["src/a.ts"]?.status).toBe("modified");
    expect(by["README.md"]?.status).toBe("deleted");
    expect(by["docs/new.md"]).toMatchObject({ status: "renamed", from: "docs/old.md" });
    expect(by["src/new.ts"]?.status).toBe("untracked");
    expect(by["src/c.ts"]?.status).toBe("added");
    expect(by["node_modules/x.js"]).toBeUndefined();

    const report = scopeReport(root, changes, ["src/**"]);
    expect(report.changed).toEqual(["README.md", "docs/new.md", "docs/old.md", "src/a.ts", "src/c.ts", "src/new.ts"]);
    expect(report.outOfScope).toEqual(["README.md", "docs/new.md", "docs/old.md"]);
    expect(scopeReport(root, changes, []).outOfScope).toEqual([]);

    const commits = await commitsSince(root, head);
    expect(commits).toHaveLength(1);
    const diff = await diffSince(root, head, changes);
    expect(diff).toContain("+changed");
    expect(diff).toContain("src/new.ts"); // untracked files are in the diff too
  });

  it("commit-then-revert cannot hide an out-of-scope change: scope, diff and commits judge base..HEAD", async () => {
    const { root, head } = repo();
    mkdirSync(path.join(root, ".github/workflows"), { recursive: true });
    writeFileSync(path.join(root, ".github/workflows/x.yml"), "on: push\n");
    sh(root, "add", "-A");
    sh(root, "commit", "-q", "-m", "sneak");
    sh(root, "rm", "-q", ".github/workflows/x.yml");
    sh(root, "commit", "-q", "-m", "hide");
    writeFileSync(path.join(root, "src/a.ts"), "in scope\n"); // left uncommitted

    expect(await commitLeftovers(root)).toBe(true);
    expect(sh(root, "status", "--porcelain")).toBe("");
    const changes = await listChanges(root, head);
    const report = scopeReport(root, changes, ["src/**"]);
    expect(report.changed).toEqual([".github/workflows/x.yml", "src/a.ts"]);
    expect(report.outOfScope).toEqual([".github/workflows/x.yml"]);
    const commits = await commitsSince(root, head);
    expect(commits).toHaveLength(3); // sneak, hide, and the leftovers
    expect(sh(root, "log", "-1", "--format=%s")).toBe("fleet-agent: changes the job left uncommitted");
    const diff = await diffSince(root, head, changes);
    expect(diff).toContain("+in scope");
    expect(diff).toContain("+on: push"); // the hidden file is shown, commit by commit
    expect(await commitLeftovers(root)).toBe(false); // nothing left: no empty commit
  });

  it("flags symlinks that point outside the checkout, whatever the globs say", async () => {
    const { base, root, head } = repo();
    writeFileSync(path.join(base, "outside.txt"), "secret\n");
    symlinkSync(path.join(base, "outside.txt"), path.join(root, "src/link.ts"));
    symlinkSync("../../outside.txt", path.join(root, "src/rel-link.ts"));
    symlinkSync("a.ts", path.join(root, "src/inside-link.ts"));
    symlinkSync(base, path.join(root, "src/dir-link"));
    const report = scopeReport(root, await listChanges(root, head), ["src/**"]);
    expect(report.outOfScope).toEqual(["src/dir-link", "src/link.ts", "src/rel-link.ts"]);
    expect(report.changed).toContain("src/inside-link.ts");
  });

  it("treats `..` paths and absolute paths as escapes, and refuses globs that reach outside", () => {
    const { root } = repo();
    expect(escapesRoot(root, "../etc/passwd")).toBe(true);
    expect(escapesRoot(root, "src/../../x")).toBe(true);
    expect(escapesRoot(root, "/etc/passwd")).toBe(true);
    expect(escapesRoot(root, "src/a.ts")).toBe(false);
    const r = scopeReport(root, [{ status: "added", path: "../x.ts" }, { status: "modified", path: "src/a.ts" }], ["../**", "src/**"]);
    expect(r.outOfScope).toEqual(["../x.ts"]);
    // only escaping globs given: nothing is allowed
    expect(scopeReport(root, [{ status: "modified", path: "src/a.ts" }], ["../**"]).outOfScope).toEqual(["src/a.ts"]);
  });
});
