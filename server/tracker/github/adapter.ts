import "server-only";
import { Octokit } from "@octokit/rest";
import { verify } from "@octokit/webhooks-methods";
import { formatTrackerItem, parseTrackerItem } from "@/lib/tracker-item";
import { githubRepoRef, githubWebHost } from "@/server/forge/github/repo";
import { TRACKER_LABELS, TrackerError, type ListLabelledResult, type TrackerItem, type TrackerPort } from "../port";
import { parseGithubIssueDelivery } from "./webhook";

export interface GithubTrackerOptions {
  /** GITHUB_TOKEN from the coordinator's settings (issues: write); never logged, never in an item */
  token: string;
  /** GITHUB_API_URL */
  apiUrl: string;
  userAgent?: string;
  /** the intake label (default agent:run; `<label>:<profile>` counts too) */
  label?: string;
}

const SILENT = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * GitHub Issues behind the tracker port (issue 16 item 2), over Octokit. An item's repository is
 * the issue's own, spelled as its clone URL on the GitHub host (`https://github.com/o/r.git`, or the
 * double's `http://127.0.0.1:PORT/o/r.git`), so the job checks out where the issue lives and the
 * forge adapter opens its pull request there.
 */
export function githubTracker(opts: GithubTrackerOptions): TrackerPort & { host: string; webUrl: string } {
  if (!opts.token.trim()) throw new TrackerError("auth", "GITHUB_TOKEN is empty");
  const baseUrl = opts.apiUrl.replace(/\/$/, "");
  const host = githubWebHost(baseUrl);
  const api = new URL(baseUrl);
  const webUrl = host === "github.com" ? "https://github.com" : `${api.protocol}//${host}`;
  const octokit = new Octokit({ auth: opts.token, baseUrl, userAgent: opts.userAgent ?? "gigafactory-tracker", log: SILENT });
  /** per scope, the last list's cursor and ETag: asking the same again answers 304, which costs no rate limit (one entry a scope, not one a cursor) */
  const etags = new Map<string, { since: string; etag: string }>();

  const ref = (itemId: string) => {
    const p = parseTrackerItem(itemId);
    if (!p.ok || p.ref.tracker !== "github") throw new TrackerError("invalid", p.ok ? `${itemId} is not a GitHub item` : p.message);
    return { owner: p.ref.owner, repo: p.ref.repo, issue_number: p.ref.number };
  };

  function itemOf(owner: string, repo: string, i: IssueLike): TrackerItem {
    return {
      id: formatTrackerItem({ tracker: "github", owner, repo, number: i.number }),
      url: i.html_url,
      title: i.title,
      body: i.body ?? "",
      labels: i.labels.map((l) => (typeof l === "string" ? l : (l.name ?? ""))).filter(Boolean),
      state: i.state === "closed" ? "closed" : "open",
      ...(i.user?.login ? { author: i.user.login } : {}),
      updatedAt: i.updated_at,
      repo: `${webUrl}/${owner}/${repo}.git`,
    };
  }

  return {
    kind: "github",
    label: opts.label ?? TRACKER_LABELS.run,
    host,
    webUrl,
    serves: (itemId) => {
      const p = parseTrackerItem(itemId);
      return p.ok && p.ref.tracker === "github";
    },
    async fetchItem(itemId) {
      const r = ref(itemId);
      try {
        const { data } = await octokit.rest.issues.get(r);
        // an issue's endpoint also answers for pull requests: those are not tracker items
        if ((data as { pull_request?: unknown }).pull_request) return undefined;
        return itemOf(r.owner, r.repo, data as IssueLike);
      } catch (e) {
        if (statusOf(e) === 404 || statusOf(e) === 410) return undefined;
        throw refusal(e);
      }
    },
    async listLabelled(scope, since): Promise<ListLabelledResult> {
      const m = /^([A-Za-z0-9][A-Za-z0-9-]{0,38})\/([A-Za-z0-9_.-]{1,100})$/.exec(scope);
      if (!m) throw new TrackerError("invalid", `${scope.slice(0, 80)}: expected owner/repo`);
      const [owner, repo] = [m[1]!, m[2]!];
      const started = new Date().toISOString();
      // the ETag is of the answer to this exact question: sent only when the cursor is the one it was got with
      const cached = etags.get(scope);
      const headers = cached && cached.since === (since ?? "") ? { "if-none-match": cached.etag } : {};
      try {
        const res = await octokit.rest.issues.listForRepo({ owner, repo, state: "all", sort: "updated", direction: "asc", per_page: 100, ...(since ? { since } : {}), headers });
        const items = res.data.filter((i) => !(i as { pull_request?: unknown }).pull_request).map((i) => itemOf(owner, repo, i as IssueLike));
        // The next cursor is the newest update seen (GitHub's `since` is inclusive: the importer is
        // idempotent, so seeing the last one again costs nothing), else the cursor asked with.
        const cursor = items.length ? items[items.length - 1]!.updatedAt : (since ?? started);
        if (res.headers.etag) etags.set(scope, { since: since ?? "", etag: res.headers.etag });
        return { items, cursor };
      } catch (e) {
        if (statusOf(e) === 304) return { items: [], cursor: since ?? started, notModified: true };
        throw refusal(e);
      }
    },
    async comment(itemId, body, commentId) {
      const r = ref(itemId);
      try {
        if (commentId) {
          try {
            await octokit.rest.issues.updateComment({ owner: r.owner, repo: r.repo, comment_id: Number(commentId), body });
            return { commentId };
          } catch (e) {
            // someone deleted our comment: a new one carries the news
            if (statusOf(e) !== 404) throw e;
          }
        }
        const { data } = await octokit.rest.issues.createComment({ ...r, body });
        return { commentId: String(data.id) };
      } catch (e) {
        throw refusal(e);
      }
    },
    async setState(itemId, state) {
      const r = ref(itemId);
      // GitHub issues have no "in progress": the agent:running label says it; done closes the issue.
      if (state !== "done") return;
      try {
        await octokit.rest.issues.update({ ...r, state: "closed", state_reason: "completed" });
      } catch (e) {
        throw refusal(e);
      }
    },
    async setLabels(itemId, change) {
      const r = ref(itemId);
      try {
        if (change.add?.length) await octokit.rest.issues.addLabels({ ...r, labels: change.add });
        for (const name of change.remove ?? []) {
          await octokit.rest.issues.removeLabel({ ...r, name }).catch((e: unknown) => {
            if (statusOf(e) !== 404) throw e;
          });
        }
      } catch (e) {
        throw refusal(e);
      }
    },
    verifyWebhook: async (secret, rawBody, headers) => {
      const signature = headers.get("x-hub-signature-256") ?? "";
      return Boolean(secret && signature && (await verify(secret, rawBody, signature).catch(() => false)));
    },
    parseWebhook: (rawBody, headers) => parseGithubIssueDelivery(rawBody, headers, webUrl),
  };
}

/** The fields of an issue we read (Octokit's issue type, narrowed). */
export interface IssueLike {
  number: number;
  html_url: string;
  title: string;
  body?: string | null;
  state: string;
  labels: (string | { name?: string | null })[];
  user?: { login: string } | null;
  updated_at: string;
}

/** Whether a job's repository is the issue's (so a PR there may say `Closes #N`). */
export function sameRepository(jobRepo: string, itemId: string, host: string): boolean {
  const p = parseTrackerItem(itemId);
  const r = githubRepoRef(jobRepo, host);
  return Boolean(p.ok && p.ref.tracker === "github" && r && r.owner.toLowerCase() === p.ref.owner.toLowerCase() && r.repo.toLowerCase() === p.ref.repo.toLowerCase());
}

const statusOf = (e: unknown) => (typeof (e as { status?: unknown })?.status === "number" ? (e as { status: number }).status : 0);

/** GitHub's refusal in the port's words: status and GitHub's message only (the request carries the token). */
function refusal(e: unknown): TrackerError {
  if (e instanceof TrackerError) return e;
  const status = statusOf(e);
  const data = ((e as { response?: { data?: unknown } })?.response?.data ?? {}) as { message?: unknown };
  const message = typeof data.message === "string" ? data.message.slice(0, 300) : "";
  const headers = (e as { response?: { headers?: Record<string, string | undefined> } })?.response?.headers ?? {};
  if (status === 0) return new TrackerError("unavailable", "GitHub is unreachable");
  if (status === 401) return new TrackerError("auth", "GitHub refused the token (401)", 401);
  if (status === 403 || status === 429) {
    // GitHub's primary limit: 403/429 with x-ratelimit-remaining: 0 and x-ratelimit-reset (epoch
    // seconds); its secondary limit: retry-after (seconds). Either says when to come back.
    const limited = status === 429 || headers["x-ratelimit-remaining"] === "0" || headers["retry-after"] !== undefined || /rate limit/i.test(message);
    if (limited) return new TrackerError("rate_limited", message || "GitHub rate limit", status, undefined, retryAtOf(headers));
    return new TrackerError("forbidden", message || "the token may not do this (403)", status);
  }
  if (status === 404) return new TrackerError("not_found", message || "not found", 404);
  if (status === 422) return new TrackerError("invalid", message || "GitHub refused the request (422)", 422);
  if (status >= 500) return new TrackerError("unavailable", `GitHub answered ${status}`, status);
  return new TrackerError("invalid", message || `GitHub answered ${status}`, status);
}

/** When a rate-limited answer says to come back: retry-after (seconds from now) wins, else x-ratelimit-reset (epoch seconds). */
function retryAtOf(headers: Record<string, string | undefined>, now = Date.now()): number | undefined {
  const after = Number(headers["retry-after"]);
  if (headers["retry-after"] !== undefined && Number.isFinite(after) && after >= 0) return now + Math.min(after, 86_400) * 1000;
  const reset = Number(headers["x-ratelimit-reset"]);
  if (headers["x-ratelimit-reset"] !== undefined && Number.isFinite(reset) && reset > 0) return Math.min(reset * 1000, now + 86_400_000);
  return undefined;
}
