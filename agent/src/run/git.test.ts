/**
 * The agent's git ignores what a job can plant in a repository: hooks, core.hooksPath,
 * core.fsmonitor, and the ext:: protocol; and it does not hand its environment to git.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { git, gitEnv } from "./git";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe.skipIf(process.platform === "win32")("hardened git", () => {
  it("planted hooks, hooksPath and fsmonitor never run; ext:: is refused", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "fleet-git-"));
    dirs.push(dir);
    const pwned = path.join(dir, "pwned");
    const evil = path.join(dir, "evil.sh");
    writeFileSync(evil, `#!/bin/sh\necho "$0 $*" >> ${pwned}\n`);
    chmodSync(evil, 0o755);
    const g = (...a: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@e", ...a], { cwd: dir, env: { PATH: process.env.PATH } as unknown as NodeJS.ProcessEnv });
    g("init", "-q", "-b", "main");
    writeFileSync(path.join(dir, "a.txt"), "a\n");
    g("add", "-A");
    g("commit", "-q", "--no-verify", "-m", "init");
    // What a hostile job writes into the repository it was given:
    mkdirSync(path.join(dir, ".git", "hooks"), { recursive: true });
    for (const h of ["pre-commit", "post-checkout", "reference-transaction", "post-index-change"]) {
      writeFileSync(path.join(dir, ".git", "hooks", h), `#!/bin/sh\necho hook ${h} >> ${pwned}\n`);
      chmodSync(path.join(dir, ".git", "hooks", h), 0o755);
    }
    g("config", "core.hooksPath", path.join(dir, "hooks2"));
    g("config", "core.fsmonitor", evil);
    mkdirSync(path.join(dir, "hooks2"));
    writeFileSync(path.join(dir, "hooks2", "pre-commit"), `#!/bin/sh\necho hooksPath >> ${pwned}\n`);
    chmodSync(path.join(dir, "hooks2", "pre-commit"), 0o755);

    writeFileSync(path.join(dir, "a.txt"), "b\n");
    await git(["status", "--porcelain"], dir);
    await git(["diff", "--no-ext-diff", "HEAD"], dir);
    await git(["add", "-A"], dir);
    await git(["-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", "second"], dir);
    await git(["checkout", "-q", "-b", "other"], dir);
    expect(existsSync(pwned)).toBe(false);
    await expect(git(["ls-remote", `ext::sh -c touch% ${pwned}`], dir)).rejects.toThrow();
    expect(existsSync(pwned)).toBe(false);
  });

  it("git gets a minimal environment: no agent secrets, no inherited GIT_* settings, no system or global config", () => {
    const saved = { ...process.env };
    try {
      process.env.FLEET_ENROLLMENT_TOKEN = "gfe_x";
      process.env.GIT_DIR = "/elsewhere";
      process.env.GIT_CONFIG_PARAMETERS = "'core.hooksPath'='/evil'";
      const env = gitEnv();
      expect(env.FLEET_ENROLLMENT_TOKEN).toBeUndefined();
      expect(env.GIT_DIR).toBeUndefined();
      expect(env.GIT_CONFIG_PARAMETERS).toBeUndefined();
      expect(env.GIT_CONFIG_NOSYSTEM).toBe("1");
      expect(env.GIT_CONFIG_GLOBAL).toBe("/dev/null");
    } finally {
      process.env = saved;
    }
  });
});
