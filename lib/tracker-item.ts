/**
 * Canonical tracker item ids (issue 16, CONTRACT §1 `tracker-item`): `github:owner/repo#123` and
 * `linear:ENG-42`. Item ids arrive from webhooks, the CLI and job files (hostile input), so the
 * length is checked before any pattern runs and every pattern is a single pass with no nested or
 * overlapping quantifiers (linear time whatever the text).
 */
export type TrackerKind = "github" | "linear";

export type TrackerItemRef =
  | { tracker: "github"; owner: string; repo: string; number: number }
  | { tracker: "linear"; team: string; number: number };

/** The longest id either form can spell (github: 39 + 1 + 100 + 1 + 10, plus the prefix). */
export const TRACKER_ITEM_MAX = 160;

const GITHUB = /^github:([A-Za-z0-9][A-Za-z0-9-]{0,38})\/([A-Za-z0-9_.-]{1,100})#([1-9][0-9]{0,9})$/;
const LINEAR = /^linear:([A-Za-z][A-Za-z0-9]{0,9})-([1-9][0-9]{0,8})$/;
const MAX_NUMBER = 2 ** 31 - 1;

export type ParsedTrackerItem = { ok: true; ref: TrackerItemRef; id: string } | { ok: false; message: string };

/** Parses an item id; the message says what was expected. The returned `id` is the canonical form. */
export function parseTrackerItem(input: unknown): ParsedTrackerItem {
  if (typeof input !== "string") return { ok: false, message: "expected a tracker item id like github:owner/repo#123 or linear:ENG-42" };
  const s = input.trim();
  if (s.length === 0) return { ok: false, message: "expected a tracker item id, got an empty string" };
  if (s.length > TRACKER_ITEM_MAX) return { ok: false, message: `a tracker item id is at most ${TRACKER_ITEM_MAX} characters` };
  const g = GITHUB.exec(s);
  if (g) {
    const number = Number(g[3]);
    if (number > MAX_NUMBER) return { ok: false, message: "the issue number is too large" };
    if (g[2] === "." || g[2] === "..") return { ok: false, message: "the repository name must not be '.' or '..'" };
    const ref: TrackerItemRef = { tracker: "github", owner: g[1]!, repo: g[2]!, number };
    return { ok: true, ref, id: formatTrackerItem(ref) };
  }
  const l = LINEAR.exec(s);
  if (l) {
    const ref: TrackerItemRef = { tracker: "linear", team: l[1]!.toUpperCase(), number: Number(l[2]) };
    return { ok: true, ref, id: formatTrackerItem(ref) };
  }
  if (s.startsWith("github:")) return { ok: false, message: `"${clip(s)}" is not a GitHub item: expected github:owner/repo#123` };
  if (s.startsWith("linear:")) return { ok: false, message: `"${clip(s)}" is not a Linear item: expected linear:TEAM-123` };
  return { ok: false, message: `"${clip(s)}" is not a tracker item id: expected github:owner/repo#123 or linear:ENG-42` };
}

/** The canonical id of a ref (GitHub owner and repo keep their case; a Linear team key is upper case). */
export function formatTrackerItem(ref: TrackerItemRef): string {
  return ref.tracker === "github" ? `github:${ref.owner}/${ref.repo}#${ref.number}` : `linear:${ref.team.toUpperCase()}-${ref.number}`;
}

/** Whether two ids name the same item (GitHub owner/repo compare case-insensitively, as GitHub does). */
export function sameTrackerItem(a: string, b: string): boolean {
  const pa = parseTrackerItem(a);
  const pb = parseTrackerItem(b);
  if (!pa.ok || !pb.ok) return false;
  return pa.id.toLowerCase() === pb.id.toLowerCase();
}

function clip(s: string, n = 60): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/**
 * The item's page for people: GitHub issues on `githubHost` (github.com, a GHE host, or a loopback
 * host:port, served over http), undefined for Linear (its URL needs the workspace, which the id lacks).
 */
export function trackerItemUrl(id: string, githubHost = "github.com"): string | undefined {
  const p = parseTrackerItem(id);
  if (!p.ok || p.ref.tracker !== "github") return undefined;
  const scheme = /^(127\.0\.0\.1|localhost)(:\d+)?$/.test(githubHost) ? "http" : "https";
  return `${scheme}://${githubHost}/${p.ref.owner}/${p.ref.repo}/issues/${p.ref.number}`;
}
