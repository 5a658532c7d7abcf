#!/usr/bin/env node
/**
 * `npm run check:clis`: installs the coding-agent CLIs that ship on npm (latest versions) into
 * .cache/real-clis, then runs agent/test/real-cli-flags.test.ts with them on PATH, so the adapters'
 * argv is checked against the real CLIs. Not part of `npm test`: it needs the registry, downloads a
 * few hundred MB, and a CLI release must not turn CI red without anyone changing our code.
 * Pass package specs to check other versions: `npm run check:clis -- @openai/codex@0.160.0`.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dir = path.join(root, ".cache", "real-clis");
const DEFAULT = ["@anthropic-ai/claude-code", "@openai/codex", "@google/gemini-cli", "@github/copilot"];
const specs = process.argv.slice(2).length ? process.argv.slice(2) : DEFAULT;
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

mkdirSync(dir, { recursive: true });
if (!existsSync(path.join(dir, "package.json"))) writeFileSync(path.join(dir, "package.json"), '{ "private": true }\n');
console.log(`check:clis: installing ${specs.join(", ")} into ${path.relative(root, dir)} …`);
// Install scripts must run: claude's postinstall puts its native binary in place of a stub.
const install = spawnSync(npm, ["install", "--no-audit", "--no-fund", "--loglevel=error", ...specs], { cwd: dir, stdio: "inherit" });
if (install.status !== 0) {
  console.error("check:clis: npm install failed (is the npm registry reachable?)");
  process.exit(install.status ?? 1);
}
const bin = path.join(dir, "node_modules", ".bin");
const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}` };
for (const cli of ["claude", "codex", "gemini", "copilot"]) {
  let version = "not installed";
  try {
    version = execFileSync(cli, ["--version"], { env, encoding: "utf8", timeout: 30_000, stdio: ["ignore", "pipe", "pipe"] }).trim().split("\n")[0];
  } catch {
    // reported as not installed; the test skips it
  }
  console.log(`  ${cli.padEnd(8)} ${version}`);
}
const vitest = path.join(root, "node_modules", "vitest", "vitest.mjs");
const run = spawnSync(process.execPath, [vitest, "run", "agent/test/real-cli-flags.test.ts"], { cwd: root, env, stdio: "inherit" });
process.exit(run.status ?? 1);
