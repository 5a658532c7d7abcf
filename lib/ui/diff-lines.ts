/** Classifies the lines of a unified diff for colouring; marks files outside the allowed scope. */

export type DiffLineKind = "file" | "hunk" | "add" | "del" | "context" | "meta";

export interface DiffLine {
  kind: DiffLineKind;
  text: string;
  /** the file this line belongs to (b/ path of the last `diff --git` or `+++` header) */
  file?: string;
}

export function classifyDiff(diff: string): DiffLine[] {
  let file: string | undefined;
  return diff.split("\n").map((text) => {
    const git = /^diff --git a\/(.+?) b\/(.+)$/.exec(text);
    if (git) {
      file = git[2];
      return { kind: "file", text, file };
    }
    if (text.startsWith("+++ ")) {
      const p = text.slice(4).replace(/^b\//, "");
      if (p !== "/dev/null") file = p;
      return { kind: "meta", text, file };
    }
    if (text.startsWith("--- ") || text.startsWith("index ") || /^(new|deleted) file mode/.test(text) || /^(rename|similarity)/.test(text))
      return { kind: "meta", text, file };
    if (text.startsWith("@@")) return { kind: "hunk", text, file };
    if (text.startsWith("+")) return { kind: "add", text, file };
    if (text.startsWith("-")) return { kind: "del", text, file };
    return { kind: "context", text, file };
  });
}
