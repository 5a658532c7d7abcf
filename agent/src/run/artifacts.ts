/**
 * Artifacts the manifest asks for: `diff` (everything the run changed, untracked files included,
 * against the starting commit), `build-logs` (the redacted engine log), `coverage`
 * (coverage/coverage-summary.json) and globs matched under the checkout. Content is inlined up to
 * the protocol's limit and redacted; `size` is always the full size.
 */
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import picomatch from "picomatch";
import { redact } from "@/lib/secrets";
import { LIMITS, type ArtifactReport } from "@/lib/protocol";
import { git as runGit, gitOutput } from "./git";
import type { Change } from "./scope";
import { escapesRoot } from "./scope";

export async function diffSince(root: string, base: string | undefined, changes: Change[], env: Record<string, string> = {}): Promise<string> {
  const git = (args: string[], cwd: string) => runGit(args, cwd, 120_000, undefined, env);
  let text = base ? await git(["diff", "--no-color", "--no-ext-diff", "--no-textconv", "-M", base, "--"], root) : "";
  const undone = changes.filter((c) => c.status === "undone").map((c) => c.path);
  if (base && undone.length) {
    // Invisible in the sum but delivered in the commits: shown commit by commit.
    text += `\n# changed by the delivered commits, though not in their end result (${undone.length} path(s)):\n`;
    text += await git(["log", "-p", "--no-color", "--no-ext-diff", "--no-textconv", "--no-renames", "--reverse", "--format=# commit %H", `${base}..HEAD`, "--", ...undone.slice(0, 500)], root);
  }
  for (const c of changes.filter((c) => c.status === "untracked" || (!base && c.status === "added")).slice(0, 500)) {
    if (escapesRoot(root, c.path)) continue;
    // `git diff --no-index` exits 1 when files differ, which is always here.
    text += await gitOutput(["diff", "--no-color", "--no-index", "--", "/dev/null", c.path], root, 60_000, env);
  }
  return text;
}

function inline(name: string, kind: string, content: string): ArtifactReport {
  const clean = redact(content);
  const a: ArtifactReport = { name, kind, size: Buffer.byteLength(content) };
  a.content = clean.length > LIMITS.artifactContent ? clean.slice(0, LIMITS.artifactContent) : clean;
  return a;
}

export async function collectArtifacts(input: {
  requested: string[];
  root?: string;
  base?: string;
  changes: Change[];
  buildLog: string;
  /** the workspace's gitEnv: the agent's git directory for this checkout */
  gitEnv?: Record<string, string>;
}): Promise<ArtifactReport[]> {
  const env = input.gitEnv ?? {};
  const out: ArtifactReport[] = [];
  const globs: string[] = [];
  for (const r of input.requested) {
    if (r === "diff") {
      if (input.root) out.push(inline("diff", "diff", await diffSince(input.root, input.base, input.changes, env)));
    } else if (r === "build-logs") {
      out.push(inline("build-log", "build-logs", input.buildLog));
    } else if (r === "coverage") {
      globs.push("coverage/coverage-summary.json");
    } else if (r === "screenshots") {
      globs.push("screenshots/**/*.png", "**/__screenshots__/**");
    } else {
      globs.push(r);
    }
  }
  if (globs.length && input.root) {
    const match = picomatch(globs.filter((g) => !g.startsWith("/") && !g.split("/").includes("..")), { dot: true });
    const files = (await runGit(["ls-files", "--cached", "--others", "--exclude-standard", "-z"], input.root, 120_000, undefined, env)).split("\0").filter(Boolean);
    for (const f of files.filter((f) => match(f)).slice(0, LIMITS.artifacts - out.length)) {
      if (escapesRoot(input.root, f)) continue;
      const full = path.join(input.root, f);
      let size = 0;
      try {
        size = statSync(full).size;
      } catch {
        continue;
      }
      const a: ArtifactReport = { name: f, kind: "file", size, path: full };
      if (size <= 256 * 1024) {
        const buf = readFileSync(full);
        if (!buf.includes(0)) a.content = redact(buf.toString("utf8"));
      }
      out.push(a);
    }
  }
  return out.slice(0, LIMITS.artifacts);
}
