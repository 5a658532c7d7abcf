import "server-only";

/** What a pull request says about the job that made it (issue 15 item 3). */
export interface PullRequestSummary {
  jobId: string;
  title: string;
  /** the job's prompt; shortened here */
  prompt: string;
  verify: "passed" | "failed" | "pending" | "none";
  /** the scope report, one line per fact (files touched, paths outside scope…) */
  scope: readonly string[];
  costUsd?: number;
  engine: string;
  factory: string;
  jobUrl: string;
  /** the GitHub issue the job came from: `Closes #N` */
  issueNumber?: number;
}

const PROMPT_CHARS = 2_000;
const TITLE_CHARS = 240;

/** A PR stays a draft until verify has passed (or the job has no verify). */
export function isDraft(verify: PullRequestSummary["verify"]): boolean {
  return verify === "pending" || verify === "failed";
}

export function pullRequestTitle(s: PullRequestSummary): string {
  const t = inert(s.title.replace(/\s+/g, " ").trim()) || `Job ${s.jobId}`;
  return t.length > TITLE_CHARS ? `${t.slice(0, TITLE_CHARS - 1)}…` : t;
}

/**
 * A job's text is hostile (DESIGN "jobs are hostile"): quoted in a PR it must not act on GitHub.
 * A word joiner after `#` and `@` keeps "Closes #12", "org/repo#3" and "@team" from closing an
 * issue, linking one or notifying people; the text reads the same.
 */
export function inert(text: string): string {
  return text.replace(/([#@])(?=[\w-])/g, "$1\u2060");
}

export function pullRequestBody(s: PullRequestSummary): string {
  const prompt = inert(s.prompt.trim());
  const short = prompt.length > PROMPT_CHARS ? `${prompt.slice(0, PROMPT_CHARS - 1)}…` : prompt;
  const quoted = short.split("\n").map((l) => `> ${l}`).join("\n");
  const verify = { passed: "✅ passed", failed: "❌ failed", pending: "⏳ pending", none: "— (no verify command)" }[s.verify];
  const lines = [
    `Delivered by Gigafactory job [${s.jobId}](${s.jobUrl}).`,
    "",
    "### Prompt",
    quoted || "> (empty)",
    "",
    "| | |",
    "|---|---|",
    `| Verify | ${verify} |`,
    `| Engine | ${cell(s.engine)} |`,
    `| Factory | ${cell(s.factory)} |`,
    `| Cost | ${s.costUsd === undefined ? "—" : `$${s.costUsd.toFixed(2)}`} |`,
    "",
    "### Scope",
    ...(s.scope.length ? s.scope.map((l) => `- ${inert(l)}`) : ["- (no scope report)"]),
  ];
  if (s.issueNumber !== undefined) lines.push("", `Closes #${s.issueNumber}`);
  return lines.join("\n");
}

function cell(v: string): string {
  return v.replace(/[|\n]/g, " ");
}
