import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BUILTIN_ADAPTERS, buildEngineCommand, engineRunRefusal, resolveAdapters, yoloWarnings } from "./adapters";
import { addCost, parseCostLine } from "./cost-parsers";

const NASTY = `fix it $(rm -rf /) \`reboot\` "double" 'single' ; | & > out\n--dangerously-skip-permissions\n-p`;
const argv = (engine: string, yolo: boolean) =>
  buildEngineCommand(BUILTIN_ADAPTERS[engine]!, { prompt: NASTY, yolo, promptFile: "/tmp/p" }).args;

describe("engine adapters", () => {
  it.each([
    ["claude", ["-p", "--output-format", "stream-json", "--verbose", "--", NASTY], ["--dangerously-skip-permissions"]],
    ["codex", ["exec", "--json", "--skip-git-repo-check", "--sandbox", "workspace-write", "--", NASTY], ["--dangerously-bypass-approvals-and-sandbox"]],
    ["gemini", [`--prompt=${NASTY}`, "--output-format", "stream-json"], ["--yolo"]],
    ["copilot", [`--prompt=${NASTY}`], ["--allow-all-tools"]],
    ["aider", [`--message=${NASTY}`, "--no-pretty"], ["--yes-always"]],
    ["devin", ["-p", "--", NASTY], ["--permission-mode", "dangerous"]],
  ])("%s: non-interactive argv; the auto-approve flag only with yolo", (engine, safe, yoloFlags) => {
    const off = argv(engine, false);
    expect(off).toEqual(safe);
    for (const f of yoloFlags) if (!safe.includes(f)) expect(off).not.toContain(f);
    const on = argv(engine, true);
    for (const f of yoloFlags) expect(on).toContain(f);
    // the prompt is exactly one element, verbatim
    expect(on.filter((a) => a.includes(NASTY))).toHaveLength(1);
  });

  it("shell runs the prompt from a file with bash, ignoring yolo", () => {
    expect(argv("shell", true)).toEqual(["/tmp/p"]);
    expect(BUILTIN_ADAPTERS.shell!.command).toBe("bash");
  });

  it("a prompt with $(…), quotes and `--` arrives verbatim at a real process (no shell)", () => {
    const adapters = resolveAdapters({
      echo: {
        command: process.execPath,
        args: ["-e", "process.stdout.write(JSON.stringify(process.argv.slice(1)))", "--", "{yolo}", "pre-{prompt}-post"],
        yoloArgs: ["--yes"],
        prompt: "arg",
        output: "text",
        versionArgs: ["--version"],
      },
    });
    const cmd = buildEngineCommand(adapters.echo!, { prompt: NASTY, yolo: true });
    const got = JSON.parse(execFileSync(cmd.command, cmd.args, { encoding: "utf8" })) as string[];
    expect(got).toEqual(["--yes", `pre-${NASTY}-post`]);
  });

  it("a prompt containing `{promptFile}` or `$&` is not re-substituted", () => {
    const p = "use {promptFile} and $& and $1";
    const cmd = buildEngineCommand(BUILTIN_ADAPTERS.claude!, { prompt: p, yolo: false, promptFile: "/x" });
    expect(cmd.args.at(-1)).toBe(p.replace("{promptFile}", "/x"));
  });

  it("stdin prompts are not put in argv", () => {
    const a = resolveAdapters({ s: { command: "x", args: ["-", "{prompt}"], yoloArgs: [], prompt: "stdin", output: "text", versionArgs: [] } });
    const cmd = buildEngineCommand(a.s!, { prompt: "secret plan", yolo: false });
    expect(cmd.args).toEqual(["-", "{prompt}"]);
    expect(cmd.stdin).toBe("secret plan");
  });

  it("gemini trusts the worktree only for a yolo run (else headless gemini drops --yolo)", () => {
    const g = BUILTIN_ADAPTERS.gemini!;
    expect(buildEngineCommand(g, { prompt: "x", yolo: true }).env).toEqual({ GEMINI_CLI_TRUST_WORKSPACE: "true" });
    expect(buildEngineCommand(g, { prompt: "x", yolo: false }).env).toEqual({});
  });

  it("claude yolo as root is refused before spawning, with what to do, unless IS_SANDBOX=1", () => {
    const c = BUILTIN_ADAPTERS.claude!;
    expect(engineRunRefusal(c, { yolo: true, uid: 0, env: {} })).toMatch(/claude refuses --dangerously-skip-permissions when run as root.*ordinary user.*IS_SANDBOX=1/);
    expect(engineRunRefusal(c, { yolo: true, uid: 0, env: { IS_SANDBOX: "1" } })).toBeUndefined();
    expect(engineRunRefusal(c, { yolo: true, uid: 1000, env: {} })).toBeUndefined();
    expect(engineRunRefusal(c, { yolo: false, uid: 0, env: {} })).toBeUndefined();
    expect(engineRunRefusal(c, { yolo: true, uid: undefined, env: {} })).toBeUndefined(); // Windows: no uid
    expect(engineRunRefusal(BUILTIN_ADAPTERS.codex!, { yolo: true, uid: 0, env: {} })).toBeUndefined();
  });

  it("the start-up warning names the engine only when this process would be refused", () => {
    const asRoot = process.getuid?.() === 0;
    const w = yoloWarnings(BUILTIN_ADAPTERS, ["shell", "claude", "codex"], {});
    expect(w).toEqual(asRoot ? [expect.stringMatching(/^warning: claude refuses/)] : []);
    expect(yoloWarnings(BUILTIN_ADAPTERS, ["claude"], { IS_SANDBOX: "1" })).toEqual([]);
  });

  it("a config entry overrides a built-in", () => {
    const a = resolveAdapters({ claude: { command: "/opt/claude", args: ["{prompt}"], yoloArgs: [], prompt: "arg", output: "claude", versionArgs: ["-v"] } });
    expect(a.claude!.command).toBe("/opt/claude");
    expect(a.codex).toBe(BUILTIN_ADAPTERS.codex);
    expect(path.basename(a.shell!.command)).toBe("bash");
  });
});

describe("cost parsers", () => {
  it("claude: the result line's cost and usage", () => {
    const line = JSON.stringify({ type: "result", total_cost_usd: 0.5, usage: { input_tokens: 10, cache_read_input_tokens: 5, output_tokens: 7 } });
    expect(parseCostLine("claude", line)).toEqual({ usd: 0.5, tokensIn: 15, tokensOut: 7 });
    expect(parseCostLine("claude", JSON.stringify({ type: "assistant", message: { usage: { input_tokens: 1 } } }))).toBeUndefined();
  });
  it("codex: each turn.completed", () => {
    expect(parseCostLine("codex", JSON.stringify({ type: "turn.completed", usage: { input_tokens: 3, output_tokens: 4 } }))).toEqual({ tokensIn: 3, tokensOut: 4 });
  });
  it("gemini: the result stats", () => {
    expect(parseCostLine("gemini", JSON.stringify({ type: "result", stats: { input_tokens: 8, output_tokens: 2 } }))).toEqual({ tokensIn: 8, tokensOut: 2 });
  });
  it("ignores text, garbage and the text parser", () => {
    expect(parseCostLine("claude", "hello")).toBeUndefined();
    expect(parseCostLine("claude", "{nope")).toBeUndefined();
    expect(parseCostLine("text", JSON.stringify({ type: "result", total_cost_usd: 1 }))).toBeUndefined();
    expect(addCost({ usd: 1 }, { usd: 0.5, tokensIn: 2 })).toEqual({ usd: 1.5, tokensIn: 2 });
  });
});
