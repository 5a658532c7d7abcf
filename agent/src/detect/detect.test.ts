import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILTIN_ADAPTERS } from "../engines/adapters";
import { detectCredentials } from "./credentials";
import { detect } from "./detect";

let dir: string;
let bin: string;
let home: string;
const fake = (name: string, body: string) => {
  const f = path.join(bin, name);
  writeFileSync(f, `#!/bin/sh\n${body}\n`);
  chmodSync(f, 0o755);
};

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "fleet-detect-"));
  bin = path.join(dir, "bin");
  home = path.join(dir, "home");
  mkdirSync(bin);
  mkdirSync(home);
  fake("claude", 'echo "1.0.83 (Claude Code)"');
  fake("codex", 'echo "codex-cli 0.46.0"');
  fake("gemini", "exec /bin/sleep 30"); // hangs: must be dropped by the timeout, not block detection
  fake("git", 'echo "git version 2.45.1"');
  fake("sh", 'exec /bin/sh "$@"');
  fake("bash", 'exec /bin/bash "$@"');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// win32: the fake CLIs here are `#!/bin/sh` scripts, which Windows cannot execute.
describe.skipIf(process.platform === "win32")("detect", () => {
  it("finds engines on PATH with versions, tools, credential presence and tags", async () => {
    const d = await detect({
      adapters: BUILTIN_ADAPTERS,
      max: 2,
      tags: ["region:eu"],
      env: { PATH: bin, ANTHROPIC_API_KEY: "sk-ant-not-sent", GITHUB_TOKEN: "" },
      home,
      timeoutMs: 500,
    });
    expect(d.engines.map((e) => e.engine).sort()).toEqual(["claude", "codex", "shell"]);
    expect(d.capabilities).toEqual(
      expect.arrayContaining([
        "engine:claude",
        "claude:1.0.83",
        "engine:codex",
        "codex:0.46.0",
        "engine:shell",
        "has:git",
        "git:2.45.1",
        "cred:anthropic",
        "region:eu",
        `arch:${process.arch}`,
      ]),
    );
    expect(d.capabilities).not.toContain("engine:gemini");
    expect(d.capabilities).not.toContain("cred:github"); // empty env var = absent
    expect(JSON.stringify(d)).not.toContain("sk-ant-not-sent");
    expect(d.stations).toEqual(expect.arrayContaining([{ engine: "claude", slots: 2 }, { engine: "shell", slots: 2 }]));
  });

  it("offers only --engines, with their slots capped by --max", async () => {
    const d = await detect({
      adapters: BUILTIN_ADAPTERS,
      engines: [{ engine: "claude", slots: 5 }, { engine: "shell", slots: 1 }],
      max: 3,
      tags: [],
      env: { PATH: bin },
      home,
      timeoutMs: 500,
    });
    expect(d.stations).toEqual([
      { engine: "claude", slots: 3 },
      { engine: "shell", slots: 1 },
    ]);
  });

  it("refuses an engine nobody defined, naming --engines", async () => {
    await expect(detect({ adapters: BUILTIN_ADAPTERS, engines: [{ engine: "cursor" }], max: 1, tags: [], env: { PATH: bin }, home })).rejects.toThrow(
      /^--engines: "cursor"/,
    );
  });

  it("sees credential files without reading them", () => {
    mkdirSync(path.join(home, ".codex"), { recursive: true });
    writeFileSync(path.join(home, ".codex", "auth.json"), "{}");
    expect(detectCredentials({}, home)).toEqual(["cred:openai"]);
  });
});
