/**
 * Engine adapters: how each coding-agent CLI is run non-interactively. The prompt always travels
 * as ONE argv element (or stdin, or a temp file), never through a shell string, so `$(…)`, quotes
 * and backticks in a prompt arrive verbatim. The auto-approve flag is added only for `yolo: true`.
 *
 * Flags, and where they come from (checked against each CLI's --help by
 * agent/test/real-cli-flags.test.ts when the binary is installed):
 *   claude  -p --output-format stream-json --verbose [--dangerously-skip-permissions] -- PROMPT
 *           (docs.anthropic.com/en/docs/claude-code/cli-reference; stream-json in -p needs --verbose)
 *   codex   exec --json --skip-git-repo-check [--sandbox workspace-write | --dangerously-bypass-approvals-and-sandbox] -- PROMPT
 *           (developers.openai.com/codex/noninteractive, codex sandbox.md; exec never prompts, the
 *           sandbox decides what it may write)
 *   gemini  --prompt=PROMPT --output-format stream-json [--yolo]   (geminicli.com/docs/cli/headless)
 *           yolo also sets GEMINI_CLI_TRUST_WORKSPACE=true: headless gemini silently drops --yolo
 *           back to "default" approval in a folder it does not trust, and a fresh worktree never is
 *   copilot --prompt=PROMPT [--allow-all-tools]                    (docs.github.com … cli-programmatic-reference)
 *   aider   --message=PROMPT --no-pretty [--yes-always]            (aider.chat/docs/scripting.html)
 *   devin   -p [--permission-mode dangerous] -- PROMPT             (cli.devin.ai/docs/reference/commands)
 *   shell   bash PROMPT_FILE (sh when bash is missing): the prompt body is the script
 * `--prompt=X` / `--message=X` forms keep a prompt that starts with '-' from being read as a flag.
 * Last run against the real CLIs (`npm run check:clis`): claude 2.1.197, codex 0.169.0, gemini 0.61.0,
 * copilot 1.0.102 — each accepted both argv forms and stopped only at its sign-in.
 */
import type { EngineConfig, OutputParser } from "./engine-config";

export interface EngineAdapter {
  name: string;
  command: string;
  /** argv template: `{prompt}`, `{promptFile}` replaced inside elements; `{yolo}` expands */
  args: string[];
  yoloArgs: string[];
  /** what `{yolo}` expands to when yolo is false (codex: its workspace-write sandbox) */
  safeArgs: string[];
  prompt: "arg" | "stdin" | "file";
  output: OutputParser;
  versionArgs: string[];
  slots?: number;
  env?: Record<string, string>;
  /** extra environment for a yolo run only */
  yoloEnv?: Record<string, string>;
  /**
   * The CLI refuses its auto-approve flag when run as root unless this variable is "1": checked
   * before spawning, so the job fails with what to do instead of the CLI's one-line refusal.
   */
  yoloRootOverrideEnv?: string;
  /**
   * Where the CLI keeps its sign-in, relative to HOME: shown read-only at the same place in the
   * job's scratch HOME (a sandbox shows nothing else of the agent's home, and no other engine's).
   */
  credentialFiles?: string[];
}

const builtin = (a: Omit<EngineAdapter, "safeArgs" | "versionArgs"> & Partial<EngineAdapter>): EngineAdapter => ({
  safeArgs: [],
  versionArgs: ["--version"],
  ...a,
});

export const BUILTIN_ADAPTERS: Record<string, EngineAdapter> = {
  claude: builtin({
    name: "claude",
    command: "claude",
    credentialFiles: [".claude/.credentials.json", ".claude.json"],
    args: ["-p", "--output-format", "stream-json", "--verbose", "{yolo}", "--", "{prompt}"],
    yoloArgs: ["--dangerously-skip-permissions"],
    yoloRootOverrideEnv: "IS_SANDBOX",
    prompt: "arg",
    output: "claude",
  }),
  codex: builtin({
    name: "codex",
    command: "codex",
    credentialFiles: [".codex/auth.json", ".codex/config.toml"],
    args: ["exec", "--json", "--skip-git-repo-check", "{yolo}", "--", "{prompt}"],
    yoloArgs: ["--dangerously-bypass-approvals-and-sandbox"],
    safeArgs: ["--sandbox", "workspace-write"],
    prompt: "arg",
    output: "codex",
  }),
  gemini: builtin({
    name: "gemini",
    command: "gemini",
    credentialFiles: [".gemini/oauth_creds.json", ".gemini/google_accounts.json", ".gemini/settings.json"],
    args: ["--prompt={prompt}", "--output-format", "stream-json", "{yolo}"],
    yoloArgs: ["--yolo"],
    yoloEnv: { GEMINI_CLI_TRUST_WORKSPACE: "true" },
    prompt: "arg",
    output: "gemini",
  }),
  copilot: builtin({
    name: "copilot",
    command: "copilot",
    credentialFiles: [".copilot/config.json", ".config/gh/hosts.yml"],
    args: ["--prompt={prompt}", "{yolo}"],
    yoloArgs: ["--allow-all-tools"],
    prompt: "arg",
    output: "text",
  }),
  aider: builtin({
    name: "aider",
    command: "aider",
    credentialFiles: [".aider.conf.yml"],
    args: ["--message={prompt}", "--no-pretty", "{yolo}"],
    yoloArgs: ["--yes-always"],
    prompt: "arg",
    output: "text",
  }),
  devin: builtin({
    name: "devin",
    command: "devin",
    credentialFiles: [".config/devin"],
    args: ["-p", "{yolo}", "--", "{prompt}"],
    yoloArgs: ["--permission-mode", "dangerous"],
    prompt: "arg",
    output: "text",
  }),
  shell: builtin({
    name: "shell",
    command: "bash",
    args: ["{promptFile}"],
    yoloArgs: [],
    prompt: "file",
    output: "text",
  }),
};

/** What a custom engine gets for the fields its config leaves out. */
const CUSTOM_DEFAULTS = { args: ["{prompt}"], yoloArgs: [], prompt: "arg", output: "text", versionArgs: ["--version"] } as const;

/**
 * Built-ins with the config file's overrides and custom engines applied. An override names only
 * what it changes: the rest (flags, yolo environment, output parser) stays the built-in's.
 */
export function resolveAdapters(config: Record<string, EngineConfig> = {}): Record<string, EngineAdapter> {
  const out: Record<string, EngineAdapter> = { ...BUILTIN_ADAPTERS };
  for (const [name, c] of Object.entries(config)) {
    const base: EngineAdapter = BUILTIN_ADAPTERS[name] ?? {
      name,
      command: name,
      args: [...CUSTOM_DEFAULTS.args],
      yoloArgs: [],
      safeArgs: [],
      prompt: CUSTOM_DEFAULTS.prompt,
      output: CUSTOM_DEFAULTS.output,
      versionArgs: [...CUSTOM_DEFAULTS.versionArgs],
    };
    const a: EngineAdapter = { ...base, name };
    if (c.command !== undefined) a.command = c.command;
    // New argv templates replace the built-in's safe-mode expansion too: it belonged to its flags.
    if (c.args !== undefined) {
      a.args = c.args;
      a.safeArgs = [];
    }
    if (c.yoloArgs !== undefined) a.yoloArgs = c.yoloArgs;
    if (c.prompt !== undefined) a.prompt = c.prompt;
    if (c.output !== undefined) a.output = c.output;
    if (c.versionArgs !== undefined) a.versionArgs = c.versionArgs;
    if (c.slots !== undefined) a.slots = c.slots;
    if (c.credentialFiles !== undefined) a.credentialFiles = c.credentialFiles;
    if (c.env) a.env = { ...base.env, ...c.env };
    out[name] = a;
  }
  return out;
}

export interface EngineCommand {
  command: string;
  args: string[];
  /** set on top of the agent's environment for this run */
  env: Record<string, string>;
  /** written to the engine's stdin, then closed; undefined: stdin is /dev/null */
  stdin?: string;
}

/**
 * Builds the argv for one run. Substitution is plain string splicing inside an element (no
 * `String.replace` patterns, no shell), so nothing in the prompt can add or split arguments.
 */
export function buildEngineCommand(
  adapter: EngineAdapter,
  input: { prompt: string; yolo: boolean; promptFile?: string; command?: string },
): EngineCommand {
  const args: string[] = [];
  for (const el of adapter.args) {
    if (el === "{yolo}") {
      args.push(...(input.yolo ? adapter.yoloArgs : adapter.safeArgs));
      continue;
    }
    let v = el;
    if (adapter.prompt === "arg") v = v.split("{prompt}").join(input.prompt);
    if (input.promptFile !== undefined) v = v.split("{promptFile}").join(input.promptFile);
    args.push(v);
  }
  const env = { ...adapter.env, ...(input.yolo ? adapter.yoloEnv : {}) };
  const cmd: EngineCommand = { command: input.command ?? adapter.command, args, env };
  if (adapter.prompt === "stdin") cmd.stdin = input.prompt;
  return cmd;
}

/**
 * Why this run cannot start as asked (undefined: it can). Today: an auto-approve flag the CLI refuses
 * to honour for root, which the CLI itself reports only as one terse line after the job was placed.
 */
export function engineRunRefusal(
  adapter: EngineAdapter,
  input: { yolo: boolean; uid: number | undefined; env: Record<string, string | undefined> },
): string | undefined {
  const override = adapter.yoloRootOverrideEnv;
  if (!input.yolo || !override || input.uid !== 0 || input.env[override] === "1") return undefined;
  return (
    `${adapter.name} refuses ${adapter.yoloArgs.join(" ")} when run as root, so yolo jobs cannot run on ${adapter.name} here. ` +
    `Run fleet-agent as an ordinary user, or, if this machine is a throwaway sandbox, start it with ${override}=1.`
  );
}

/** Said once at start, so the operator learns before a job fails: what yolo jobs these engines will refuse. */
export function yoloWarnings(adapters: Record<string, EngineAdapter>, engines: readonly string[], env: Record<string, string | undefined>): string[] {
  const uid = process.getuid?.();
  return engines.flatMap((e) => {
    const a = adapters[e];
    const why = a && engineRunRefusal(a, { yolo: true, uid, env });
    return why ? [`warning: ${why}`] : [];
  });
}
