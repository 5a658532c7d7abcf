import { describe, expect, it } from "vitest";
import { ansiToHtml, createAnsiStream, stripAnsi } from "./ansi";

describe("ansi", () => {
  it("colours and escapes", () => {
    const html = ansiToHtml("\u001b[31m<b>red</b>\u001b[0m");
    expect(html).toContain("&lt;b&gt;red&lt;/b&gt;");
    expect(html).toMatch(/color:#[0-9A-Fa-f]{3,6}/);
    expect(html).not.toContain("<b>");
  });
  it("carries an open colour into the next chunk of a stream", () => {
    const stream = createAnsiStream();
    stream.push("\u001b[32mgreen starts ");
    expect(stream.push("still green")).toMatch(/<span style="color:#[0-9A-Fa-f]+">still green/);
  });
  it("strips escapes", () => {
    expect(stripAnsi("\u001b[1;31mhi\u001b[0m there")).toBe("hi there");
  });
});
