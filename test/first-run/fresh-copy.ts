/**
 * A fresh clone of this checkout for the first-run tests: every file git would commit (tracked, and
 * untracked but not ignored, with their working-tree content) copied to a temp dir, so there is no
 * `.next/`, no `.data/` and no `agent/dist/`. node_modules is a hard-linked copy, not a symlink: the
 * bundler refuses a node_modules that points outside the project root, and a copy would take minutes.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface FreshCopy {
  dir: string;
  remove(): void;
}

export function freshCopy(): FreshCopy {
  const dir = mkdtempSync(path.join(os.tmpdir(), "gigafactory-fresh-"));
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: repoRoot, encoding: "utf8" })
    .split("\0")
    .filter(Boolean);
  for (const f of files) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    // A file deleted in the working tree but still in the index is not part of the clone.
    try {
      cpSync(path.join(repoRoot, f), path.join(dir, f), { verbatimSymlinks: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }
  const modules = path.join(repoRoot, "node_modules");
  if (process.platform === "linux") execFileSync("cp", ["-al", modules, path.join(dir, "node_modules")]);
  else cpSync(modules, path.join(dir, "node_modules"), { recursive: true, verbatimSymlinks: true });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The environment of a newcomer's shell: none of our settings (a test runner's would leak in). */
export function newcomerEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(FLEET_|NEXT_|NEXTAUTH_|COSMOS_|LOG_LEVEL$|PORT$|HOST$|NODE_ENV$|VITEST|npm_)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra } as NodeJS.ProcessEnv;
}
