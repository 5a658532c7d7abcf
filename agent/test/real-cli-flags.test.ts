/**
 * The adapters' flags against each real CLI's own --help. Runs only where that CLI is installed
 * (none are on the CI machine; on a factory with them, this is the check that our argv is current).
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { which } from "../src/detect/which";
import { BUILTIN_ADAPTERS } from "../src/engines/adapters";

const HELP_ARGS: Record<string, string[][]> = {
  claude: [["--help"]],
  codex: [["exec", "--help"]],
  gemini: [["--help"]],
  copilot: [["--help"]],
  aider: [["--help"]],
  devin: [["--help"]],
};

const flagsOf = (args: string[]) =>
  args
    .filter((a) => a.startsWith("-") && a !== "--" && !a.includes("{prompt}"))
    .map((a) => a.split("=")[0]!)
    .concat(args.filter((a) => a.includes("{prompt}") && a.startsWith("--")).map((a) => a.split("=")[0]!));

for (const [engine, helps] of Object.entries(HELP_ARGS)) {
  const bin = which(engine);
  describe.runIf(bin)(`${engine} --help lists every flag the adapter uses`, () => {
    it("knows each flag", () => {
      const a = BUILTIN_ADAPTERS[engine]!;
      const help = helps.map((h) => execFileSync(bin!, h, { encoding: "utf8", timeout: 20_000, stdio: ["ignore", "pipe", "pipe"] })).join("\n");
      for (const flag of new Set([...flagsOf(a.args), ...flagsOf(a.yoloArgs), ...flagsOf(a.safeArgs)])) {
        expect(help, `${engine}: ${flag}`).toContain(flag);
      }
    });
  });
}

describe("real CLI check", () => {
  it("covers every built-in engine but shell", () => {
    expect(Object.keys(HELP_ARGS).sort()).toEqual(Object.keys(BUILTIN_ADAPTERS).filter((e) => e !== "shell").sort());
  });
});
