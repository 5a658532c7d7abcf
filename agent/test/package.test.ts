/**
 * Packaging: `npm pack` in agent/ gives a tarball that runs on a machine with only Node — no
 * node_modules, nothing from the repository. Extract it somewhere unrelated and run the bin.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_DIR, buildAgent, REPO_ROOT } from "./agent-process";

let tmp: string;
beforeAll(() => {
  buildAgent();
  tmp = mkdtempSync(path.join(os.tmpdir(), "fleet-pack-"));
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("npm pack", () => {
  it("the extracted tarball runs --help and --detect with nothing but node", () => {
    const out = execFileSync("npm", ["pack", "--pack-destination", tmp, "--json"], { cwd: AGENT_DIR, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const [info] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
    const files = info!.files.map((f) => f.path).sort();
    expect(files).toEqual(expect.arrayContaining(["bin/fleet-agent.mjs", "dist/fleet-agent.mjs", "package.json"]));
    expect(files.some((f) => f.startsWith("src/") || f.startsWith("test/"))).toBe(false);

    execFileSync("tar", ["-xzf", path.join(tmp, info!.filename), "-C", tmp]);
    const pkg = path.join(tmp, "package");
    const manifest = JSON.parse(readFileSync(path.join(pkg, "package.json"), "utf8")) as Record<string, unknown>;
    expect(manifest.dependencies ?? {}).toEqual({});
    // A clean environment: no NODE_PATH, cwd outside the repository, so nothing can resolve from it.
    const env = { PATH: process.env.PATH ?? "", HOME: tmp } as unknown as NodeJS.ProcessEnv;
    const help = execFileSync(process.execPath, [path.join(pkg, "bin", "fleet-agent.mjs"), "--help"], { cwd: tmp, env, encoding: "utf8" });
    for (const flag of ["--server", "--token", "--name", "--max", "--workdir", "--engines", "--tags", "--offline", "--once", "--detect", "--config"]) {
      expect(help).toContain(flag);
    }
    const detect = JSON.parse(execFileSync(process.execPath, [path.join(pkg, "bin", "fleet-agent.mjs"), "--detect"], { cwd: tmp, env, encoding: "utf8" })) as {
      capabilities: string[];
    };
    expect(detect.capabilities).toContain("engine:shell");
    expect(REPO_ROOT.startsWith(tmp)).toBe(false);
  });
});
