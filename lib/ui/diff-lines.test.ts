import { describe, expect, it } from "vitest";
import { classifyDiff } from "./diff-lines";

describe("classifyDiff", () => {
  it("classifies lines and tracks the file", () => {
    const lines = classifyDiff("diff --git a/x.ts b/x.ts\nindex 1..2\n--- a/x.ts\n+++ b/x.ts\n@@ -1 +1 @@\n-old\n+new\n same");
    expect(lines.map((l) => l.kind)).toEqual(["file", "meta", "meta", "meta", "hunk", "del", "add", "context"]);
    expect(new Set(lines.map((l) => l.file))).toEqual(new Set(["x.ts"]));
  });
});
