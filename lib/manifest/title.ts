/**
 * The title of a job: the first `# ` heading of its body (outside fenced code blocks), else the
 * file name without its extension, else "Untitled".
 */

export const MAX_TITLE = 200;

export function headingTitle(body: string): string | undefined {
  let fence: string | undefined;
  for (const line of body.split("\n")) {
    const f = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (f) {
      if (fence === undefined) fence = f[1]![0]!;
      else if (f[1]![0] === fence) fence = undefined;
      continue;
    }
    if (fence !== undefined) continue;
    const h = /^ {0,3}# +(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (h && h[1]!.trim() !== "") return clipTitle(h[1]!.trim());
  }
  return undefined;
}

export function fileTitle(fileName: string | undefined): string | undefined {
  if (!fileName) return undefined;
  const base = fileName.split(/[\\/]/).pop() ?? "";
  const stem = base.replace(/\.[^.]*$/, "").trim();
  return stem ? clipTitle(stem) : undefined;
}

export function jobTitle(body: string, fileName?: string): string {
  return headingTitle(body) ?? fileTitle(fileName) ?? "Untitled";
}

function clipTitle(s: string): string {
  return s.length > MAX_TITLE ? `${s.slice(0, MAX_TITLE - 1)}…` : s;
}
