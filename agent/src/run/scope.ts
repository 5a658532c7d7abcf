/**
 * The scope report: every path the run changed (modified, added, deleted, renamed — both names —
 * and untracked), relative to the checkout root, and which of them fall outside `allowed-scope`.
 * A path is out of scope regardless of the globs when it escapes the checkout: a `..` segment,
 * an absolute path, or a symlink (or a path through one) resolving outside the root.
 */
import { lstatSync, readlinkSync, realpathSync } from "node:fs";
import path from "node:path";
import picomatch from "picomatch";
import type { ScopeReport } from "@/lib/protocol";
import { git as runGit } from "./git";

export interface Change {
  /** `undone`: changed by a commit of the run but not in its end result (commit-then-revert) */
  status: "added" | "modified" | "deleted" | "renamed" | "untracked" | "typechange" | "undone";
  path: string;
  from?: string;
}

const STATUS: Record<string, Change["status"]> = { A: "added", M: "modified", D: "deleted", R: "renamed", C: "added", T: "typechange" };

/**
 * Changes in the working tree (committed or not) since `base`, plus untracked files. `env`: the
 * workspace's `gitEnv` (the agent's own git directory for this checkout), never the job's.
 */
export async function listChanges(root: string, base: string | undefined, env: Record<string, string> = {}): Promise<Change[]> {
  const git = (args: string[], cwd: string) => runGit(args, cwd, 120_000, undefined, env);
  const out: Change[] = [];
  if (base) {
    const raw = await git(["diff", "--name-status", "-z", "-M", "--no-ext-diff", base, "--"], root);
    const parts = raw.split("\0");
    for (let i = 0; i < parts.length; ) {
      const code = parts[i++] ?? "";
      if (!code) continue;
      const kind = STATUS[code[0]!] ?? "modified";
      if (code[0] === "R" || code[0] === "C") {
        const from = parts[i++] ?? "";
        const to = parts[i++] ?? "";
        out.push(kind === "renamed" ? { status: kind, path: to, from } : { status: kind, path: to });
      } else {
        out.push({ status: kind, path: parts[i++] ?? "" });
      }
    }
  }
  if (base) {
    // What ships is the commits, not only their sum: a path added in one commit and removed in the
    // next leaves no trace in `base` vs the tree, yet both commits are delivered with it.
    const seen = new Set(out.flatMap((c) => (c.from ? [c.path, c.from] : [c.path])));
    const raw = await git(["log", "--format=", "--name-only", "-z", "--no-renames", "--diff-merges=first-parent", `${base}..HEAD`, "--"], root);
    for (const p of raw.split(/[\0\n]/).filter(Boolean)) {
      if (seen.has(p)) continue;
      seen.add(p);
      out.push({ status: "undone", path: p });
    }
  }
  const untracked = await git(["ls-files", "--others", "--exclude-standard", "-z"], root);
  for (const p of untracked.split("\0").filter(Boolean)) out.push({ status: base ? "untracked" : "added", path: p });
  return out;
}

/** True when `rel` (relative to `root`) names something outside the checkout. */
export function escapesRoot(root: string, rel: string): boolean {
  const norm = path.posix.normalize(rel.replace(/\\/g, "/"));
  if (path.isAbsolute(rel) || norm === ".." || norm.startsWith("../") || rel.split(/[\\/]/).includes("..")) return true;
  const realRoot = safeRealpath(root) ?? root;
  const inside = (p: string) => p === realRoot || p.startsWith(realRoot + path.sep);
  const full = path.join(root, rel);
  let st;
  try {
    st = lstatSync(full);
  } catch {
    // deleted: only the parent chain can escape
    const parent = safeRealpath(path.dirname(full));
    return parent !== undefined && !inside(parent);
  }
  if (st.isSymbolicLink()) {
    const target = path.resolve(path.dirname(full), readlinkSync(full));
    const real = safeRealpath(target) ?? target;
    if (!inside(path.resolve(real))) return true;
  }
  const parent = safeRealpath(path.dirname(full));
  return parent !== undefined && !inside(parent);
}

function safeRealpath(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

export function scopeReport(root: string, changes: Change[], allowedScope: string[]): ScopeReport {
  // A glob may not reach outside the checkout either.
  const globs = allowedScope.filter((g) => !g.startsWith("/") && !g.split("/").includes(".."));
  const allowed = globs.length ? picomatch(globs, { dot: true }) : () => false;
  const changed = new Set<string>();
  for (const c of changes) {
    changed.add(c.path);
    if (c.from) changed.add(c.from);
  }
  const all = [...changed].sort();
  const outOfScope = all.filter((p) => escapesRoot(root, p) || (allowedScope.length > 0 && !allowed(p)));
  return { changed: all, outOfScope };
}

/**
 * Commits what the job left uncommitted in its own checkout (hooks off: ./git.ts), so the commits
 * reported, judged and delivered carry everything the diff shows. True when it made a commit.
 */
export async function commitLeftovers(root: string, env: Record<string, string> = {}): Promise<boolean> {
  const git = (args: string[], cwd: string) => runGit(args, cwd, 120_000, undefined, env);
  const status = await git(["status", "--porcelain", "-z", "--untracked-files=all"], root);
  if (!status) return false;
  await git(["add", "-A"], root);
  await git(
    ["-c", "user.name=fleet-agent", "-c", "user.email=fleet-agent@localhost", "commit", "-q", "--no-verify", "--no-gpg-sign", "-m", "fleet-agent: changes the job left uncommitted"],
    root,
  );
  return true;
}

/** Commits made on top of `base` during the run, oldest first. */
export async function commitsSince(root: string, base: string | undefined, env: Record<string, string> = {}): Promise<string[]> {
  if (!base) return [];
  const out = await runGit(["rev-list", "--reverse", `${base}..HEAD`], root, 120_000, undefined, env);
  return out.split("\n").map((s) => s.trim()).filter(Boolean);
}
