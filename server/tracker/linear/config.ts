import { TEAM_KEY } from "./item-id";

/**
 * The Linear tracker's settings, parsed from the environment (server/env.ts calls these, so a bad
 * value stops the process at start naming the variable and the entry). A Linear issue names no
 * repository, so the team decides it: `FLEET_LINEAR_REPOS=ENG=https://github.com/o/r.git,OPS=…`.
 * Issues of a team with no entry are not taken (the intake says so instead of guessing).
 */
export const DEFAULT_LINEAR_LABEL = "agent:run";
export const DEFAULT_LINEAR_API_URL = "https://api.linear.app/graphql";

export type RepoMap = ReadonlyMap<string, string>;

export type ParsedRepos = { ok: true; repos: RepoMap } | { ok: false; problems: string[] };

const MAX_ENTRIES = 100;

/** A repository a factory can clone: https/ssh/git URL or scp-like `git@host:o/r.git`, no whitespace or control characters. */
function repoProblem(url: string): string | undefined {
  if (url.length > 512) return "at most 512 characters";
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(url)) return "no spaces or control characters";
  if (/^git@[\w.-]+:[\w./-]+$/.test(url)) return undefined;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "expected a repository URL like https://github.com/owner/repo.git";
  }
  if (!["https:", "http:", "ssh:", "git:", "file:"].includes(u.protocol)) return `unsupported scheme ${u.protocol}`;
  // A credential in the URL would travel into jobs and events: credentials live on factories.
  if (u.username || u.password) return "no credentials in the URL (factories hold git credentials)";
  return undefined;
}

export function parseLinearRepos(text: string | undefined): ParsedRepos {
  const repos = new Map<string, string>();
  const problems: string[] = [];
  const entries = (text ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if (entries.length > MAX_ENTRIES) return { ok: false, problems: [`at most ${MAX_ENTRIES} entries, got ${entries.length}`] };
  for (const [i, entry] of entries.entries()) {
    const eq = entry.indexOf("=");
    const name = `entry ${i + 1} (${JSON.stringify(entry.slice(0, 40))})`;
    if (eq <= 0) {
      problems.push(`${name}: expected TEAMKEY=repository URL`);
      continue;
    }
    const key = entry.slice(0, eq).trim();
    const url = entry.slice(eq + 1).trim();
    if (!TEAM_KEY.test(key)) problems.push(`${name}: ${JSON.stringify(key)} is not a Linear team key (upper-case letters and digits, like ENG)`);
    else if (repos.has(key)) problems.push(`${name}: team ${key} is mapped twice`);
    const bad = repoProblem(url);
    if (bad) problems.push(`${name}: ${bad}`);
    if (!problems.length || (TEAM_KEY.test(key) && !bad)) repos.set(key, url);
  }
  return problems.length ? { ok: false, problems } : { ok: true, repos };
}

/** The intake label: `agent:run` unless configured; lower case, as tracker labels compare. */
export function parseLinearLabel(text: string | undefined): { ok: true; label: string } | { ok: false; problem: string } {
  const label = (text ?? "").trim() || DEFAULT_LINEAR_LABEL;
  if (label.length > 80 || !/^[\w:. /-]+$/.test(label)) return { ok: false, problem: "a label name: letters, digits, ':', '.', '_', '-', '/', spaces; at most 80" };
  return { ok: true, label };
}

/** The intake label itself, or `<label>:<profile>` (agent:run:frontend). */
export function isIntakeLabel(name: string, label: string): boolean {
  if (name.toLowerCase() === label.toLowerCase()) return true;
  return name.length <= label.length + 65 && name.toLowerCase().startsWith(`${label.toLowerCase()}:`) && /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name.slice(label.length + 1));
}

