import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";

/**
 * A real bare origin for delivery tests: plain node and git, nothing of ours, so the agent's own
 * tests (agent/test) may use it as the coordinator-side ones (test/harness/delivery.ts) do.
 */

/** git with a fixed identity, its output trimmed */
export const git = (cwd: string, ...a: string[]) =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...a], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

/** A bare repository `root/shop.git` whose main holds one commit (a.txt), and the clone that seeded it (`root/seed`). */
export function seedBareOrigin(root: string): { bare: string; seed: string } {
  const bare = path.join(root, "shop.git");
  git(root, "init", "-q", "--bare", "-b", "main", bare);
  const seed = path.join(root, "seed");
  git(root, "clone", "-q", bare, seed);
  writeFileSync(path.join(seed, "a.txt"), "a\n");
  git(seed, "add", "-A");
  git(seed, "commit", "-q", "-m", "init");
  git(seed, "push", "-q", "origin", "HEAD:main");
  return { bare, seed };
}
