import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../config/config-file";
import { BUILTIN_ADAPTERS, resolveAdapters } from "../engines/adapters";
import { parseFlags, resolveOptions } from "./args";
import { UsageError } from "./usage-error";

const bad = (argv: string[]) => {
  try {
    parseFlags(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`expected ${argv.join(" ")} to be refused`);
};

describe("flags", () => {
  it("parses every CONTRACT §3 flag", () => {
    const f = parseFlags([
      "--server", "http://127.0.0.1:3000/", "--token", "enroll", "--name", "mac-2", "--max", "3",
      "--workdir", "/tmp/w", "--engines", "claude:2,shell", "--tags", "region:eu,GPU", "--once",
    ]);
    expect(f).toMatchObject({
      server: "http://127.0.0.1:3000",
      token: "enroll",
      name: "mac-2",
      max: 3,
      workdir: "/tmp/w",
      engines: [{ engine: "claude", slots: 2 }, { engine: "shell" }],
      tags: ["region:eu", "gpu"],
      once: true,
    });
  });

  it("--isolation takes a level, --job-network on|off, --job-user a user name; each error names its flag", () => {
    expect(parseFlags(["--isolation", "bwrap", "--job-network", "off", "--job-user", "fleet-job"])).toMatchObject({ isolation: "bwrap", jobNetwork: false, jobUser: "fleet-job" });
    expect(bad(["--isolation", "docker"])).toMatch(/^--isolation: "docker" is not a level; expected one of bwrap, sandbox-exec, user, none/);
    expect(bad(["--job-network", "maybe"])).toMatch(/^--job-network: /);
    expect(bad(["--job-user", "root; rm"])).toMatch(/^--job-user: /);
    const dir = mkdtempSync(path.join(os.tmpdir(), "fleet-args-"));
    const tokenFile = path.join(dir, "enroll.txt");
    writeFileSync(tokenFile, "enroll-123\n");
    const o = resolveOptions(parseFlags(["--token-file", tokenFile]), {}, undefined);
    rmSync(dir, { recursive: true, force: true });
    // the token file is remembered so the sandbox can hide it from jobs
    expect(o).toMatchObject({ jobNetwork: true, jobUser: "fleet-job", tokenFile, enrollmentToken: "enroll-123" });
    expect(o.isolation).toBeUndefined();
  });

  it("names the flag in every error", () => {
    expect(bad(["--max", "0"])).toMatch(/^--max: /);
    expect(bad(["--max", "two"])).toMatch(/^--max: /);
    expect(bad(["--server", "ftp://x"])).toMatch(/^--server: /);
    expect(bad(["--server", "not a url"])).toMatch(/^--server: /);
    expect(bad(["--name", "../etc"])).toMatch(/^--name: /);
    expect(bad(["--engines", "Claude"])).toMatch(/^--engines: /);
    expect(bad(["--engines", "claude:0"])).toMatch(/^--engines claude: /);
    expect(bad(["--engines", "shell,shell"])).toMatch(/listed twice/);
    expect(bad(["--tags", "node>=20"])).toMatch(/^--tags: /);
    expect(bad(["--tags", "a b"])).toMatch(/^--tags: /);
    expect(bad(["--token", ""])).toMatch(/^--token needs a value/);
    expect(bad(["--frobnicate"])).toMatch(/--frobnicate/);
    expect(bad(["--cost-per-hour=-1"])).toMatch(/^--cost-per-hour: /);
    expect(bad(["--cost-per-hour", "1e3"])).toMatch(/^--cost-per-hour: /);
    expect(bad(["--cost-per-hour", "10001"])).toMatch(/^--cost-per-hour: /);
  });

  it("--cost-per-hour: flag over config file over 0", () => {
    const file = parseConfigText("costPerHour: 1.5\n", "/etc/fleet.yaml");
    expect(resolveOptions(parseFlags([]), {}, undefined).costPerHour).toBe(0);
    expect(resolveOptions(parseFlags([]), {}, file).costPerHour).toBe(1.5);
    expect(resolveOptions(parseFlags(["--cost-per-hour", "2.25"]), {}, file).costPerHour).toBe(2.25);
    expect(() => parseConfigText("costPerHour: -3\n", "c.yaml")).toThrow(/^--config c\.yaml: costPerHour: /);
  });

  it("takes the server and token from the environment when flags are absent", () => {
    const o = resolveOptions(parseFlags([]), { FLEET_SERVER: "https://h:1", FLEET_ENROLLMENT_TOKEN: "t" }, undefined);
    expect(o.server).toBe("https://h:1");
    expect(o.enrollmentToken).toBe("t");
    expect(o.max).toBe(1);
    expect(() => resolveOptions(parseFlags([]), { FLEET_SERVER: "nope" }, undefined)).toThrow(/^FLEET_SERVER: /);
    expect(() => resolveOptions(parseFlags([]), { FLEET_HEARTBEAT_MS: "5" }, undefined)).toThrow(/^FLEET_HEARTBEAT_MS: /);
  });

  it("lets flags win over the config file", () => {
    const file = parseConfigText("server: https://cfg:1\nname: cfg-name\nmax: 4\ntags: [team:web]\n", "/etc/fleet.yaml");
    const o = resolveOptions(parseFlags(["--max", "2", "--tags", "region:eu"]), {}, file);
    expect(o).toMatchObject({ server: "https://cfg:1", name: "cfg-name", max: 2, tags: ["team:web", "region:eu"] });
  });
});

describe("config file", () => {
  it("reads JSON and YAML engines: a custom one gets the defaults, a built-in override keeps its flags", () => {
    const y = resolveAdapters(
      parseConfigText(
        "engines:\n  fake:\n    command: node\n    args: [x.mjs, '{prompt}']\n    output: claude\n  claude:\n    command: /opt/claude\n",
        "a.yaml",
      ).engines,
    );
    expect(y.fake).toMatchObject({ command: "node", args: ["x.mjs", "{prompt}"], yoloArgs: [], prompt: "arg", output: "claude" });
    expect(y.claude).toEqual({ ...BUILTIN_ADAPTERS.claude, command: "/opt/claude" });
    const j = resolveAdapters(parseConfigText(JSON.stringify({ engines: { mine: { command: "m", prompt: "stdin" } } }), "a.json").engines);
    expect(j.mine).toMatchObject({ command: "m", prompt: "stdin", args: ["{prompt}"], output: "text", versionArgs: ["--version"] });
  });

  it("a built-in override that brings its own args drops the built-in's safe-mode flags; env merges", () => {
    const a = resolveAdapters(parseConfigText("engines:\n  codex:\n    args: [exec, '{yolo}', '{prompt}']\n    env: {A: b}\n", "c.yaml").engines);
    expect(a.codex).toMatchObject({ command: "codex", args: ["exec", "{yolo}", "{prompt}"], safeArgs: [], yoloArgs: BUILTIN_ADAPTERS.codex!.yoloArgs, env: { A: "b" } });
    expect(resolveAdapters(parseConfigText("engines:\n  gemini:\n    command: /g\n", "c.yaml").engines).gemini!.yoloEnv).toEqual({ GEMINI_CLI_TRUST_WORKSPACE: "true" });
  });

  it("a custom engine without a command is refused, naming the field", () => {
    expect(() => parseConfigText("engines:\n  mine:\n    args: ['{prompt}']\n", "c.yaml")).toThrow(/--config c\.yaml: engines\.mine\.command: required for a custom engine/);
  });

  it("refuses unknown keys and bad values with their path", () => {
    expect(() => parseConfigText("srever: x\n", "c.yaml")).toThrow(/--config c.yaml: .*srever|Unrecognized/);
    expect(() => parseConfigText("engines:\n  x:\n    command: a\n    prompt: shell\n", "c.yaml")).toThrow(/engines\.x\.prompt/);
    expect(() => parseConfigText("max: 1000\n", "c.yaml")).toThrow(/max/);
    expect(() => parseConfigText("{", "c.json")).toThrow(/not valid JSON/);
  });
});

describe("transport and token hygiene", () => {
  it("refuses plain http to another machine unless --insecure-http; loopback and https pass", () => {
    const run = (argv: string[]) => resolveOptions(parseFlags(argv), {}, undefined).server;
    expect(() => run(["--server", "http://10.0.0.5:3000"])).toThrow(/^--server: .*--insecure-http/);
    expect(() => resolveOptions(parseFlags([]), { FLEET_SERVER: "http://fleet.example" }, undefined)).toThrow(/plain http/);
    expect(run(["--server", "http://10.0.0.5:3000", "--insecure-http"])).toBe("http://10.0.0.5:3000");
    for (const ok of ["http://127.0.0.1:3000", "http://localhost:3000", "http://[::1]:3000", "http://127.8.9.10", "https://fleet.example"]) {
      expect(run(["--server", ok])).toBe(ok.replace(/\/$/, ""));
    }
    // a host that only starts like loopback is not loopback
    expect(() => run(["--server", "http://127.0.0.1.evil.example"])).toThrow(/plain http/);
  });

  it("--token-file reads the enrollment token from a file (never argv); empty or several words are refused", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "fleet-tokfile-"));
    try {
      const f = path.join(dir, "token");
      writeFileSync(f, "gfe_abc123\n");
      expect(resolveOptions(parseFlags(["--token-file", f]), {}, undefined).enrollmentToken).toBe("gfe_abc123");
      writeFileSync(f, "  \n");
      expect(() => resolveOptions(parseFlags(["--token-file", f]), {}, undefined)).toThrow(/^--token-file: .* is empty/);
      writeFileSync(f, "a b\n");
      expect(() => resolveOptions(parseFlags(["--token-file", f]), {}, undefined)).toThrow(/more than one word/);
      expect(() => resolveOptions(parseFlags(["--token-file", path.join(dir, "missing")]), {}, undefined)).toThrow(/^--token-file: cannot read/);
      expect(() => parseFlags(["--token", "x", "--token-file", f])).toThrow(/^--token-file: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
