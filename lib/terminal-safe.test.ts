import { describe, expect, it } from "vitest";
import { terminalSafe } from "./terminal-safe";

describe("terminalSafe", () => {
  it("keeps text, newlines, tabs, carriage returns and colours", () => {
    const s = "ok\tdone\r\n\u001b[31mred\u001b[0m \u001b[1;32mbold green\u001b[m\n";
    expect(terminalSafe(s)).toBe(s);
  });

  it("neutralises title, clipboard, cursor and other control sequences", () => {
    expect(terminalSafe("\u001b]0;owned\u0007x")).toBe("\ufffd]0;owned\ufffdx");
    expect(terminalSafe("\u001b]52;c;aGk=\u001b\\")).toBe("\ufffd]52;c;aGk=\ufffd\\");
    expect(terminalSafe("a\u001b[2J\u001b[Hb")).toBe("a\ufffd[2J\ufffd[Hb");
    expect(terminalSafe("\u009b31m\u0000\u007f")).toBe("\ufffd31m\ufffd\ufffd");
  });

  it("is linear on a long run of escapes", () => {
    const s = "\u001b[".repeat(200_000);
    expect(terminalSafe(s)).toBe("\ufffd[".repeat(200_000));
  });
});
