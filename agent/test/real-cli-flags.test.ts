/**
 * The adapters against each real CLI. Runs only where that CLI is installed: none are on the CI
 * machine; `npm run check:clis` installs the four that ship on npm into .cache/ and runs this file.
 *
 * Two checks per CLI:
 *  1. its --help names every flag the adapter uses, as a whole word;
 *  2. it accepts our exact argv (safe and yolo) and gets as far as wanting to sign in. It runs in an
 *     empty HOME with only PATH in its environment, so no key or token of this machine reaches it.
 *     (On macOS, claude may still find a Keychain login: the prompt asks for one word.)
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { which } from "../src/detect/which";
import { BUILTIN_ADAPTERS, buildEngineCommand } from "../src/engines/adapters";

const HELP_ARGS: Record<string, string[][]> = {
  claude: [["--help"]],
  codex: [["exec", "--help"]],
  gemini: [["--help"]],
  copilot: [["--help"]],
  aider: [["--help"]],
  devin: [["--help"]],
};

/** What each CLI prints once it has parsed its arguments and started a run (then it wants a login). */
const REACHED_RUN: Record<string, RegExp> = {
  claude: /"type":"system"|Not logged in|authentication/i,
  codex: /"type":"thread\.started"/,
  gemini: /Auth method|GEMINI_API_KEY|"type":"init"/,
  copilot: /authenticat/i,
};

/** How these CLIs (commander, clap, yargs) say an argument was not understood. */
const ARGUMENT_ERROR = /unknown option|unknown argument|unexpected argument|invalid command format|error: option|not a valid value|invalid values?:/i;

const flagsOf = (args: string[]) =>
  args
    .filter((a) => a.startsWith("-") && a !== "--")
    .map((a) => a.split("=")[0]!)
    .filter((f) => !f.includes("{prompt}"));

const asWord = (flag: string) => new RegExp(`(^|[\\s,\\[(])${flag.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?=[\\s,=\\])<]|$)`, "m");

/** Runs the CLI until it shows it reached the run, prints an argument error, exits, or 45 s pass. */
function runUntil(bin: string, args: string[], env: Record<string, string>, reached: RegExp): Promise<string> {
  const home = mkdtempSync(path.join(os.tmpdir(), "real-cli-"));
  return new Promise((resolve) => {
    const child: ChildProcess = spawn(bin, args, {
      cwd: home,
      env: { PATH: process.env.PATH ?? "", HOME: home, USERPROFILE: home, IS_SANDBOX: "1", ...env } as unknown as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
      // its own process group: npm's wrapper scripts start the real binary as a child of their own
      detached: true,
    });
    let out = "";
    // Stop it once it has shown enough; clean up and answer only after it has really exited.
    const stop = () => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(stop, 45_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (reached.test(out) || ARGUMENT_ERROR.test(out)) stop();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("close", () => {
      clearTimeout(timer);
      rmSync(home, { recursive: true, force: true, maxRetries: 5 });
      resolve(out);
    });
    child.once("error", (e: Error) => (out += String(e)));
  });
}

for (const [engine, helps] of Object.entries(HELP_ARGS)) {
  const bin = which(engine);
  const adapter = BUILTIN_ADAPTERS[engine]!;
  // Skipped where this CLI is not on PATH (CI has none): `npm run check:clis` installs the npm ones.
  describe.runIf(bin)(`${engine} (the real CLI at ${bin})`, () => {
    it("--help names every flag the adapter uses", () => {
      const help = helps.map((h) => execFileSync(bin!, h, { encoding: "utf8", timeout: 20_000, stdio: ["ignore", "pipe", "pipe"] })).join("\n");
      for (const flag of new Set([...flagsOf(adapter.args), ...flagsOf(adapter.yoloArgs), ...flagsOf(adapter.safeArgs)])) {
        expect(help, `${engine} --help should name ${flag}`).toMatch(asWord(flag));
      }
    });

    // aider and devin: no known sign-in message to stop at, so only their --help is checked.
    it.runIf(REACHED_RUN[engine])("accepts our argv, safe and yolo, and goes on to want a login", async () => {
      for (const yolo of [false, true]) {
        const cmd = buildEngineCommand(adapter, { prompt: "Reply with the single word ok.", yolo });
        const out = await runUntil(bin!, cmd.args, cmd.env, REACHED_RUN[engine]!);
        expect(out, `${engine} ${cmd.args.join(" ")}`).not.toMatch(ARGUMENT_ERROR);
        expect(out, `${engine} ${cmd.args.join(" ")}`).toMatch(REACHED_RUN[engine]!);
      }
    }, 120_000);
  });
}

describe("real CLI check", () => {
  it("covers every built-in engine but shell", () => {
    expect(Object.keys(HELP_ARGS).sort()).toEqual(Object.keys(BUILTIN_ADAPTERS).filter((e) => e !== "shell").sort());
  });
  it("recognises an argument error the way the CLIs print one (so the run check can fail)", () => {
    expect("error: unknown option '--bogus'").toMatch(ARGUMENT_ERROR); // claude, copilot (commander)
    expect("error: unexpected argument '--bogus' found").toMatch(ARGUMENT_ERROR); // codex (clap)
    expect("Unknown argument: bogus").toMatch(ARGUMENT_ERROR); // gemini (yargs)
    expect("--output-format").toMatch(asWord("--output-format"));
    expect("  -p, --prompt  run headless").toMatch(asWord("-p"));
    expect("--prompt-interactive").not.toMatch(asWord("--prompt"));
  });
});
