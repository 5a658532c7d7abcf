import { describe, expect, it } from "vitest";
import { renderMarkdown } from "./markdown";

describe("renderMarkdown", () => {
  it("renders the structures prompts use", () => {
    const html = renderMarkdown("# Fix login\n\nMake **it** work with `npm test`.\n\n- one\n- two\n\n1. first\n\n```sh\necho <hi>\n```");
    expect(html).toBe(
      [
        "<h1>Fix login</h1>",
        "<p>Make <strong>it</strong> work with <code>npm test</code>.</p>",
        "<ul><li>one</li><li>two</li></ul>",
        "<ol><li>first</li></ol>",
        "<pre><code>echo &lt;hi&gt;</code></pre>",
      ].join("\n"),
    );
  });
  it("escapes markup and refuses script links", () => {
    const html = renderMarkdown('<img src=x onerror=alert(1)> [x](javascript:alert(1)) [ok](https://example.com/?a=1&b=2)');
    expect(html).not.toContain("<img");
    expect(html).not.toContain('href="javascript');
    expect(html).toContain('<a href="https://example.com/?a=1&amp;b=2" rel="noreferrer">ok</a>');
  });
  it("keeps code spans unformatted", () => {
    expect(renderMarkdown("`**not bold**`")).toBe("<p><code>**not bold**</code></p>");
  });
});
