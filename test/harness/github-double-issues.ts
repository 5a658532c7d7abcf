/**
 * The issues part of the GitHub double (issue 16): issues, their labels and comments, closing, and
 * the webhook payloads GitHub sends for them. Answers are built from GitHub's own examples in
 * @octokit/openapi and pass through the double's response validation like every other answer.
 *
 * Issue numbers start at 101 so they never meet the double's pull-request numbers (1, 2…): on
 * GitHub both share one sequence per repository, and `Closes #N` must name the issue, not a PR.
 *
 * `outage(n)`: the next n issue requests answer 503 from "the edge" (a load balancer in front of
 * the API answers 503 for any route, which the description does not list per operation), so that
 * answer alone is not checked against the operation; its request still is.
 *
 * `rateLimit(n, …)`: the next n issue requests answer GitHub's rate-limit refusal (403 with
 * x-ratelimit-remaining: 0 and x-ratelimit-reset, or 429 with retry-after), which GitHub may give on
 * any route: like the outage, not checked against the operation.
 *
 * `list-for-repo` honours `since` (issues updated at or after it) and `state`; conditional requests
 * (ETag / If-None-Match → 304) are answered for every GET by github-double.ts.
 */
import { createHmac } from "node:crypto";
import type { DoubleAnswer, DoubleRequest } from "./github-double";

type Json = Record<string, unknown>;

export interface DoubleIssue {
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  stateReason: string | null;
  labels: string[];
  user: string;
  comments: { id: number; body: string; user: string }[];
  updatedAt: string;
}

export interface IssuesPart {
  handle(req: DoubleRequest, repo: { owner: string; name: string } | undefined, base: string): DoubleAnswer | undefined;
  /** answers the next `n` issue requests with an edge 503 */
  outage(n: number): void;
  /** an issue request during an outage: consumes one, true when it must be answered 503 */
  takeOutage(operationId: string): boolean;
  /** answers the next `n` issue requests with a rate-limit refusal: 403 + x-ratelimit-reset (epoch seconds), or 429 + retry-after (seconds) */
  rateLimit(n: number, how: { status: 403; resetAt: number } | { status: 429; retryAfter: number }): void;
  /** an issue request while rate-limited: consumes one, the answer to give */
  takeRateLimit(operationId: string): DoubleAnswer | undefined;
  /** someone edits the issue on GitHub (its updated_at moves) */
  edit(owner: string, name: string, number: number, change: { title?: string; body?: string; labels?: string[] }): DoubleIssue;
  create(owner: string, name: string, i: { title: string; body: string; labels?: string[]; user?: string }): DoubleIssue;
  get(owner: string, name: string, number: number): DoubleIssue;
  /** what a webhook would carry about the issue (the `issue` and `repository` fields) */
  payload(owner: string, name: string, number: number, base: string): { issue: Json; repository: Json };
}

let ids = 5000;

export function issuesPart(examples: (name: string) => Json): IssuesPart {
  const issues = new Map<string, Map<number, DoubleIssue>>();
  let outage = 0;
  let limited: { n: number; answer: DoubleAnswer } = { n: 0, answer: { status: 403 } };
  const repoKey = (owner: string, name: string) => `${owner}/${name}`.toLowerCase();
  const of = (owner: string, name: string) => {
    const k = repoKey(owner, name);
    if (!issues.has(k)) issues.set(k, new Map());
    return issues.get(k)!;
  };
  const touch = (i: DoubleIssue) => {
    i.updatedAt = new Date(Math.max(Date.now(), Date.parse(i.updatedAt) + 1000)).toISOString().replace(/\.\d+Z$/, "Z");
  };
  const labelJson = (owner: string, name: string, base: string, l: string, n: number): Json => ({ ...examples("label"), id: 7000 + n, name: l, url: `${base}/repos/${owner}/${name}/labels/${encodeURIComponent(l)}` });
  const issueJson = (owner: string, name: string, base: string, i: DoubleIssue): Json => {
    const t = examples("issue");
    delete t.pull_request;
    return {
      ...t,
      id: 9000 + i.number,
      number: i.number,
      title: i.title,
      body: i.body,
      state: i.state,
      state_reason: i.stateReason,
      labels: i.labels.map((l, k) => labelJson(owner, name, base, l, k)),
      user: { ...(t.user as Json), login: i.user },
      comments: i.comments.length,
      html_url: `${base}/${owner}/${name}/issues/${i.number}`,
      url: `${base}/repos/${owner}/${name}/issues/${i.number}`,
      repository_url: `${base}/repos/${owner}/${name}`,
      updated_at: i.updatedAt,
      closed_at: i.state === "closed" ? i.updatedAt : null,
      closed_by: null,
      pinned_comment: null,
    };
  };
  const commentJson = (owner: string, name: string, base: string, i: DoubleIssue, c: { id: number; body: string; user: string }): Json => {
    const t = examples("issue-comment");
    return { ...t, id: c.id, body: c.body, user: { ...(t.user as Json), login: c.user }, html_url: `${base}/${owner}/${name}/issues/${i.number}#issuecomment-${c.id}`, issue_url: `${base}/repos/${owner}/${name}/issues/${i.number}`, pin: null };
  };
  const notFound = (): DoubleAnswer => ({ status: 404, body: { message: "Not Found", documentation_url: "https://docs.github.com/rest" } });

  const part: IssuesPart = {
    outage(n) {
      outage = n;
    },
    takeOutage(operationId) {
      if (!operationId.startsWith("issues/") || outage <= 0) return false;
      outage--;
      return true;
    },
    rateLimit(n, how) {
      const body = { message: "API rate limit exceeded for user ID 1.", documentation_url: "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting" };
      const headers: Record<string, string> =
        how.status === 403 ? { "x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(how.resetAt) } : { "retry-after": String(how.retryAfter) };
      limited = { n, answer: { status: how.status, body, headers } };
    },
    takeRateLimit(operationId) {
      if (!operationId.startsWith("issues/") || limited.n <= 0) return undefined;
      limited.n--;
      return limited.answer;
    },
    edit(owner, name, number, change) {
      const i = part.get(owner, name, number);
      if (change.title !== undefined) i.title = change.title;
      if (change.body !== undefined) i.body = change.body;
      if (change.labels !== undefined) i.labels = [...change.labels];
      touch(i);
      return i;
    },
    create(owner, name, i) {
      const m = of(owner, name);
      const issue: DoubleIssue = { number: 101 + m.size, title: i.title, body: i.body, state: "open", stateReason: null, labels: [...(i.labels ?? [])], user: i.user ?? "alice", comments: [], updatedAt: new Date().toISOString().replace(/\.\d+Z$/, "Z") };
      m.set(issue.number, issue);
      return issue;
    },
    get(owner, name, number) {
      const i = of(owner, name).get(number);
      if (!i) throw new Error(`github double: no issue ${owner}/${name}#${number}`);
      return i;
    },
    payload(owner, name, number, base) {
      return {
        issue: issueJson(owner, name, base, part.get(owner, name, number)),
        repository: { id: 1, name, full_name: `${owner}/${name}`, owner: { login: owner, id: 1, type: "Organization" }, html_url: `${base}/${owner}/${name}` },
      };
    },
    handle(req, repo, base) {
      if (!req.operationId.startsWith("issues/")) return undefined;
      if (!repo) return notFound();
      const { owner, name } = repo;
      const p = req.params;
      const m = of(owner, name);
      const i = p.issue_number ? m.get(Number(p.issue_number)) : undefined;
      switch (req.operationId) {
        case "issues/get":
          return i ? { status: 200, body: issueJson(owner, name, base, i) } : notFound();
        case "issues/list-for-repo": {
          const since = req.query.get("since");
          const state = req.query.get("state") ?? "open";
          const list = [...m.values()].filter((x) => (state === "all" || x.state === state) && (!since || x.updatedAt >= since)).sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
          return { status: 200, body: list.map((x) => issueJson(owner, name, base, x)) };
        }
        case "issues/update": {
          if (!i) return notFound();
          const b = (req.body ?? {}) as { title?: string; body?: string; state?: "open" | "closed"; state_reason?: string | null };
          if (b.title !== undefined) i.title = b.title;
          if (b.body !== undefined) i.body = b.body;
          if (b.state) {
            i.state = b.state;
            i.stateReason = b.state === "closed" ? (b.state_reason ?? "completed") : null;
          }
          touch(i);
          return { status: 200, body: issueJson(owner, name, base, i) };
        }
        case "issues/list-comments":
          return i ? { status: 200, body: i.comments.map((c) => commentJson(owner, name, base, i, c)) } : notFound();
        case "issues/create-comment": {
          if (!i) return notFound();
          const c = { id: ++ids, body: String((req.body as { body: string }).body), user: "gigafactory-bot" };
          i.comments.push(c);
          return { status: 201, body: commentJson(owner, name, base, i, c) };
        }
        case "issues/update-comment": {
          for (const x of m.values()) {
            const c = x.comments.find((y) => y.id === Number(p.comment_id));
            if (c) {
              c.body = String((req.body as { body: string }).body);
              return { status: 200, body: commentJson(owner, name, base, x, c) };
            }
          }
          return { status: 422, body: { message: "Validation Failed", documentation_url: "https://docs.github.com/rest" } };
        }
        case "issues/add-labels": {
          if (!i) return notFound();
          const b = req.body as { labels?: string[] } | string[];
          for (const l of Array.isArray(b) ? b : (b.labels ?? [])) if (!i.labels.includes(l)) i.labels.push(l);
          touch(i);
          return { status: 200, body: i.labels.map((l, k) => labelJson(owner, name, base, l, k)) };
        }
        case "issues/remove-label": {
          if (!i) return notFound();
          const at = i.labels.indexOf(p.name!);
          if (at < 0) return { status: 404, body: { message: "Label does not exist", documentation_url: "https://docs.github.com/rest" } };
          i.labels.splice(at, 1);
          touch(i);
          return { status: 200, body: i.labels.map((l, k) => labelJson(owner, name, base, l, k)) };
        }
        default:
          return notFound();
      }
    },
  };
  return part;
}

/** A signed webhook request as GitHub sends it (X-Hub-Signature-256 over the raw body). */
export function signedWebhook(secret: string, event: string, deliveryId: string, payload: unknown): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(payload);
  const sig = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
  return { body, headers: { "content-type": "application/json", "x-github-event": event, "x-github-delivery": deliveryId, "x-hub-signature-256": sig } };
}
