import { issuesPart, type IssuesPart } from "./github-double-issues";
import type { ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import http from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { Ajv, type ValidateFunction } from "ajv";
import { aheadCount, basicAuthUser, branchesOf, GIT_PATH, GitRoot, mergeInBare, mergesCleanly, serveGit, setBranch } from "./github-double-git";

/**
 * A local GitHub REST API for tests (DESIGN "test doubles are held to the real contract"): a real
 * HTTP server whose every request and every answer is validated against the operation of GitHub's
 * published OpenAPI description (@octokit/openapi, api.github.com): the path and method must name an
 * operation, path and query parameters and the JSON body must match its schemas (no undeclared query
 * parameter), and the status served must be one the operation declares with a body matching its
 * schema. A mismatch is recorded in `problems` (tests assert it empty) and answered 500, so the
 * double cannot drift from the real API and a client bug cannot pass unseen.
 *
 * It keeps a small GitHub in memory: repositories with branches, pull requests, reviews, check runs
 * and branch protection (required reviews and checks), enough for the adapter's open / read / merge
 * paths. A repository added with `git: true` is backed by a real bare git repository served on the
 * double's own host (github-double-git.ts): agents push to it, and a merge really merges there.
 */

type Json = Record<string, unknown>;
interface Operation {
  template: string;
  method: string;
  regex: RegExp;
  names: string[];
  literal: number;
  pointer: string;
  op: Json;
}

const require = createRequire(import.meta.url);
let cached: { doc: Json; ajv: Ajv; ops: Operation[]; validators: Map<string, ValidateFunction> } | undefined;

function description() {
  if (cached) return cached;
  const doc = structuredClone(require("@octokit/openapi/generated/api.github.com.json") as Json);
  nullableEnums(doc);
  // OpenAPI 3.0 schemas: `nullable` is understood, descriptive keywords (example, x-github…) ignored;
  // formats are not checked (GitHub's own examples use loose date-time and uri values).
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, validateSchema: false });
  ajv.addSchema(doc, "gh");
  const ops: Operation[] = [];
  for (const [template, item] of Object.entries(doc.paths as Record<string, Json>)) {
    const names: string[] = [];
    const source = template.split("/").map((seg) => seg.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{(\w+)\}/g, (_, n: string) => (names.push(n), "([^/]+)")));
    const regex = new RegExp(`^${source.join("/")}$`);
    const literal = template.split("/").filter((s) => s && !s.includes("{")).length;
    for (const method of ["get", "put", "post", "patch", "delete"]) {
      if (item[method]) ops.push({ template, method: method.toUpperCase(), regex, names, literal, pointer: `/paths/${esc(template)}/${method}`, op: item[method] as Json });
    }
  }
  ops.sort((a, b) => b.literal - a.literal);
  cached = { doc, ajv, ops, validators: new Map() };
  return cached;
}

/**
 * OpenAPI 3.0 `nullable: true` beside `enum` allows null (GitHub answers `conclusion: null` for a
 * running check); Ajv reads it as the enum alone, so null joins such enums before compiling.
 */
function nullableEnums(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(nullableEnums);
  if (!node || typeof node !== "object") return;
  const o = node as Json;
  if (o.nullable === true && Array.isArray(o.enum) && !o.enum.includes(null)) o.enum = [...o.enum, null];
  for (const v of Object.values(o)) nullableEnums(v);
  // `nullable` beside allOf/anyOf/oneOf and no `type` (the issue schemas: pinned_comment, issue_field_values…):
  // Ajv refuses it; the same meaning is "the composition, or null".
  if (o.nullable === true && o.type === undefined) {
    delete o.nullable;
    const rest = { ...o };
    for (const k of Object.keys(o)) delete o[k];
    o.anyOf = [rest, { type: "null" }];
  }
}

function esc(seg: string): string {
  return encodeURIComponent(seg.replace(/~/g, "~0").replace(/\//g, "~1"));
}

/** Follows $ref (#/components/…) from a JSON pointer until it names an object without one. */
function deref(pointer: string): { pointer: string; value: Json } {
  const { doc } = description();
  let p = pointer;
  for (let i = 0; i < 10; i++) {
    const value = p.split("/").slice(1).reduce<unknown>((v, s) => (v as Json | undefined)?.[decodeURIComponent(s).replace(/~1/g, "/").replace(/~0/g, "~")], doc) as Json | undefined;
    if (!value) throw new Error(`the GitHub description has nothing at ${p}`);
    if (typeof value.$ref !== "string") return { pointer: p, value };
    p = value.$ref.slice(1).split("/").map((s) => encodeURIComponent(s)).join("/");
  }
  throw new Error(`a $ref chain too long at ${pointer}`);
}

function validator(pointer: string): ValidateFunction {
  const d = description();
  let v = d.validators.get(pointer);
  if (!v) {
    v = d.ajv.compile({ $ref: `gh#${pointer}` });
    d.validators.set(pointer, v);
  }
  return v;
}

function check(pointer: string, value: unknown, what: string): string[] {
  const v = validator(pointer);
  if (v(value)) return [];
  return (v.errors ?? []).slice(0, 8).map((e) => `${what}${e.instancePath || ""} ${e.message ?? "is invalid"}${e.params ? ` ${JSON.stringify(e.params)}` : ""}`);
}

function coerce(raw: string, schema: Json): unknown {
  if (schema.type === "integer" || schema.type === "number") return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  if (schema.type === "boolean") return raw === "true" ? true : raw === "false" ? false : raw;
  return raw;
}

export interface DoubleRequest {
  operationId: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  headers: http.IncomingHttpHeaders;
}
export interface DoubleAnswer {
  status: number;
  body?: unknown;
  /** extra response headers (rate-limit answers carry x-ratelimit-reset / retry-after) */
  headers?: Record<string, string>;
}

/** Validates one request against the description: the operation it names, or the problems found. */
export function validateRequest(method: string, url: URL, body: unknown, hasBody: boolean): { op?: Operation; params: Record<string, string>; problems: string[] } {
  const { ops } = description();
  const path = url.pathname;
  const op = ops.find((o) => o.method === method && o.regex.test(path));
  if (!op) return { params: {}, problems: [`${method} ${path}: no operation in GitHub's description`] };
  const m = op.regex.exec(path)!;
  const params = Object.fromEntries(op.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
  const problems: string[] = [];
  const where = `${method} ${op.template}`;
  const declared = ((op.op.parameters as Json[] | undefined) ?? []).map((p, i) => deref(`${op.pointer}/parameters/${i}`));
  const seen = new Set<string>();
  for (const { pointer, value: p } of declared) {
    const name = p.name as string;
    const raw = p.in === "path" ? params[name] : p.in === "query" ? (url.searchParams.get(name) ?? undefined) : undefined;
    if (p.in === "query") seen.add(name);
    if (raw === undefined) {
      if (p.required && (p.in === "path" || p.in === "query")) problems.push(`${where}: ${p.in} parameter ${name} is required`);
      continue;
    }
    problems.push(...check(`${pointer}/schema`, coerce(raw, (p.schema ?? {}) as Json), `${where}: ${p.in} parameter ${name}`));
  }
  for (const k of url.searchParams.keys()) if (!seen.has(k)) problems.push(`${where}: query parameter ${k} is not declared`);
  if (op.op.requestBody) {
    const rb = deref(`${op.pointer}/requestBody`);
    const content = rb.value.content as Json | undefined;
    if (!hasBody) {
      if (rb.value.required) problems.push(`${where}: a request body is required`);
    } else if (content?.["application/json"]) {
      problems.push(...check(`${rb.pointer}/content/application~1json/schema`, body, `${where}: body`));
    } else problems.push(`${where}: the operation takes no JSON body`);
  } else if (hasBody) problems.push(`${where}: the operation takes no request body`);
  return { op, params, problems };
}

/** Validates one answer: the status must be declared (or `default`) and the body match its schema. */
export function validateResponse(op: Operation, answer: DoubleAnswer): string[] {
  const where = `${op.method} ${op.template} → ${answer.status}`;
  const responses = op.op.responses as Json;
  const key = String(answer.status) in responses ? String(answer.status) : "default" in responses ? "default" : undefined;
  if (!key) return [`${where}: status not declared by the operation (declared: ${Object.keys(responses).join(", ")})`];
  const r = deref(`${op.pointer}/responses/${key}`);
  const content = r.value.content as Json | undefined;
  if (!content?.["application/json"]) return answer.body === undefined ? [] : [`${where}: the operation declares no JSON body for this status`];
  if (answer.body === undefined) return [`${where}: a JSON body is declared`];
  return check(`${r.pointer}/content/application~1json/schema`, answer.body, `${where}: body`);
}

// ---- the small GitHub kept in memory -------------------------------------------------------------

export interface CheckRunSeed {
  name: string;
  status: "queued" | "in_progress" | "completed";
  conclusion?: "success" | "failure" | "neutral" | "cancelled" | "timed_out" | "action_required" | "skipped";
  /** the run's output as GitHub shows it (title, summary); absent: the description's example */
  output?: { title: string; summary: string };
}
export interface BranchSeed {
  sha: string;
}
interface Review {
  id: number;
  user: string;
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED";
  body: string;
  commitId: string;
}
interface Pr {
  number: number;
  title: string;
  body: string | null;
  head: string;
  base: string;
  draft: boolean;
  state: "open" | "closed";
  merged: boolean;
  mergeSha: string | null;
  /** set by a test: conflicts whatever git says */
  conflict: boolean;
  reviews: Review[];
  /** the head when the PR was merged or closed (a merged branch may be deleted or move on) */
  frozenHead?: string;
}
interface Repo {
  owner: string;
  name: string;
  defaultBranch: string;
  /** in memory, unless `bare` is set: then the bare repository's refs are the branches */
  branches: Map<string, string>;
  bare?: string;
  pulls: Map<number, Pr>;
  checks: Map<string, CheckRunSeed[]>;
  requiredApprovals: number;
  /** checks whose failure blocks a merge (branch protection's required status checks) */
  requiredChecks: string[];
  mergeMethods: Set<string>;
  /** branches under branch protection (GET …/branches/{branch} says protected: true) */
  protectedBranches: Set<string>;
}

export interface AddRepoOptions {
  branches?: Record<string, string>;
  requiredApprovals?: number;
  requiredChecks?: string[];
  mergeMethods?: string[];
  protectedBranches?: string[];
  /** back the repository with a real bare git repository served at `<url>/<owner>/<name>.git` */
  git?: boolean;
  defaultBranch?: string;
}

export interface GithubDouble {
  url: string;
  /** the token requests must carry (`Authorization: token …` or `Bearer …`; the basic-auth password for git) */
  token: string;
  problems: string[];
  /** every API request seen: method, path and the Authorization header as received */
  requests: { method: string; path: string; authorization?: string }[];
  /** every git smart-HTTP request seen, with the user that authenticated (if any) */
  gitRequests: { method: string; path: string; user?: string }[];
  addRepo(owner: string, name: string, opts?: AddRepoOptions): void;
  /** the clone URL of a git-backed repository: http://127.0.0.1:PORT/owner/name.git */
  cloneUrl(owner: string, name: string): string;
  /** the bare repository behind a git-backed repository */
  barePath(owner: string, name: string): string;
  /** the branch's head (from git for a git-backed repository), undefined when it does not exist */
  branchSha(owner: string, name: string, branch: string): string | undefined;
  setChecks(owner: string, name: string, sha: string, runs: CheckRunSeed[]): void;
  setConflict(owner: string, name: string, number: number, conflict: boolean): void;
  approve(owner: string, name: string, number: number, user?: string): void;
  requestChanges(owner: string, name: string, number: number, body: string, user?: string): void;
  /** someone closes the PR on GitHub without merging it */
  closePr(owner: string, name: string, number: number): void;
  /** someone merges the PR on GitHub (past any protection, as an admin may); returns the merge SHA */
  mergeOnForge(owner: string, name: string, number: number, method?: "merge" | "squash" | "rebase"): string;
  /** the PR whose head is `branch`, as the double keeps it */
  pullFor(owner: string, name: string, branch: string): { number: number; title: string; body: string | null; draft: boolean; state: "open" | "closed"; merged: boolean; mergeSha: string | null; base: string } | undefined;
  pushTo(owner: string, name: string, branch: string, sha: string): void;
  /** answers the next request with this (validated like any other): a way to test refusals GitHub may give */
  answerNext(a: DoubleAnswer): void;
  /** issues, labels, comments (github-double-issues.ts) */
  issues: IssuesPart;
  close(): Promise<void>;
}

/**
 * A pull request body built from GitHub's own example. The example itself does not match its schema
 * (its requested_teams lack the required `type`: the double caught that), so the double asks for no teams.
 */
const template = (): Json => ({ ...structuredClone(deref("/components/examples/pull-request").value.value as Json), requested_teams: [] });
const simpleTemplate = (): Json => ({ ...structuredClone((deref("/components/examples/pull-request-simple-items").value.value as Json[])[0]!), requested_teams: [] });

let shaCounter = 0;
const newSha = () => (++shaCounter).toString(16).padStart(8, "0").repeat(5);

export async function startGithubDouble(opts: { token?: string } = {}): Promise<GithubDouble> {
  description();
  const token = opts.token ?? "github_pat_double_0123456789";
  const repos = new Map<string, Repo>();
  const problems: string[] = [];
  const requests: GithubDouble["requests"] = [];
  const gitRequests: GithubDouble["gitRequests"] = [];
  const queued: DoubleAnswer[] = [];
  const gitRoot = new GitRoot();
  const children = new Set<ChildProcess>();
  let base = "";
  let reviewIds = 0;
  const issues = issuesPart((name) => structuredClone(deref(`/components/examples/${name}`).value.value as Record<string, unknown>));

  const repoOf = (owner: string, name: string) => repos.get(`${owner}/${name}`.toLowerCase());
  const branches = (r: Repo) => (r.bare ? branchesOf(r.bare) : r.branches);
  const headOf = (r: Repo, pr: Pr) => pr.frozenHead ?? branches(r).get(pr.head) ?? "0".repeat(40);
  const conflicts = (r: Repo, pr: Pr) => pr.conflict || (r.bare !== undefined && pr.state === "open" && !mergesCleanly(r.bare, `refs/heads/${pr.base}`, headOf(r, pr)));

  function prFields(r: Repo, pr: Pr, t: Json): Json {
    const all = branches(r);
    const headSha = headOf(r, pr);
    const baseSha = all.get(pr.base) ?? "0".repeat(40);
    const repoUrl = `${base}/repos/${r.owner}/${r.name}`;
    Object.assign(t, {
      id: 1000 + pr.number,
      number: pr.number,
      url: `${repoUrl}/pulls/${pr.number}`,
      html_url: `${base}/${r.owner}/${r.name}/pull/${pr.number}`,
      title: pr.title,
      body: pr.body,
      state: pr.state,
      draft: pr.draft,
      merged_at: pr.merged ? new Date().toISOString() : null,
      closed_at: pr.state === "closed" ? new Date().toISOString() : null,
      merge_commit_sha: pr.mergeSha,
    });
    (t.head as Json).ref = pr.head;
    (t.head as Json).sha = headSha;
    (t.base as Json).ref = pr.base;
    (t.base as Json).sha = baseSha;
    return t;
  }

  function prJson(r: Repo, pr: Pr): Json {
    const t = prFields(r, pr, template());
    const conflict = conflicts(r, pr);
    const blocked = requiredChecksFailing(r, headOf(r, pr)) || approvalsMissing(r, pr);
    Object.assign(t, {
      merged: pr.merged,
      mergeable: pr.merged ? null : !conflict,
      mergeable_state: pr.merged ? "unknown" : conflict ? "dirty" : pr.draft ? "draft" : blocked ? "blocked" : "clean",
    });
    return t;
  }

  function requiredChecksFailing(r: Repo, sha: string): string | undefined {
    const runs = r.checks.get(sha) ?? [];
    for (const name of r.requiredChecks) {
      const run = runs.find((c) => c.name === name);
      if (!run) return `Required status check "${name}" is expected.`;
      if (run.status !== "completed") return `Required status check "${name}" is expected.`;
      if (run.conclusion !== "success" && run.conclusion !== "neutral" && run.conclusion !== "skipped") return `Required status check "${name}" is failing.`;
    }
    return undefined;
  }
  /** each reviewer's latest approving / change-requesting review, as branch protection counts them */
  function latestReviews(pr: Pr): Map<string, string> {
    const latest = new Map<string, string>();
    for (const rv of pr.reviews) {
      if (rv.state === "APPROVED" || rv.state === "CHANGES_REQUESTED") latest.set(rv.user, rv.state);
      else if (rv.state === "DISMISSED") latest.delete(rv.user);
    }
    return latest;
  }
  function approvalsMissing(r: Repo, pr: Pr): boolean {
    const states = [...latestReviews(pr).values()];
    if (r.requiredApprovals > 0 && states.includes("CHANGES_REQUESTED")) return true;
    return states.filter((s) => s === "APPROVED").length < r.requiredApprovals;
  }

  const err = (status: number, message: string): DoubleAnswer => ({ status, body: { message, documentation_url: "https://docs.github.com/rest" } });
  const invalid = (errors: Json[]): DoubleAnswer => ({ status: 422, body: { message: "Validation Failed", errors, documentation_url: "https://docs.github.com/rest" } });

  /** merges pr in r (git for real when backed by git); the merge SHA, or undefined on a conflict */
  function doMerge(r: Repo, pr: Pr, method: string): string | undefined {
    const headSha = headOf(r, pr);
    let sha: string;
    if (r.bare) {
      const merged = mergeInBare(r.bare, { base: pr.base, head: headSha, method, number: pr.number, title: pr.title, headBranch: pr.head, owner: r.owner });
      if (!merged) return undefined;
      sha = merged;
    } else {
      sha = newSha();
      r.branches.set(pr.base, sha);
    }
    pr.frozenHead = headSha;
    pr.merged = true;
    pr.state = "closed";
    pr.mergeSha = sha;
    return sha;
  }

  function reviewJson(r: Repo, pr: Pr, rv: Review): Json {
    const t = structuredClone(deref("/components/examples/pull-request-review").value.value as Json);
    const html = `${base}/${r.owner}/${r.name}/pull/${pr.number}#pullrequestreview-${rv.id}`;
    Object.assign(t, {
      id: rv.id,
      body: rv.body,
      state: rv.state,
      commit_id: rv.commitId,
      html_url: html,
      pull_request_url: `${base}/repos/${r.owner}/${r.name}/pulls/${pr.number}`,
      _links: { html: { href: html }, pull_request: { href: `${base}/repos/${r.owner}/${r.name}/pulls/${pr.number}` } },
    });
    (t.user as Json).login = rv.user;
    return t;
  }

  function handle(req: DoubleRequest): DoubleAnswer {
    const p = req.params;
    const r = p.owner && p.repo ? repoOf(p.owner, p.repo) : undefined;
    switch (req.operationId) {
      case "repos/get": {
        if (!r) return err(404, "Not Found");
        const t = structuredClone(deref("/components/examples/full-repository-default-response").value.value as Json);
        // GitHub's example lacks the required `language` (the double caught that): null, as for a repo with no code yet.
        for (const o of [t, t.source, t.parent]) if (o && typeof o === "object") (o as Json).language ??= null;
        Object.assign(t, { name: r.name, full_name: `${r.owner}/${r.name}`, default_branch: r.defaultBranch, html_url: `${base}/${r.owner}/${r.name}`, url: `${base}/repos/${r.owner}/${r.name}` });
        return { status: 200, body: t };
      }
      case "repos/get-branch": {
        const sha = r ? branches(r).get(String(p.branch)) : undefined;
        if (!r || !sha) return err(404, "Branch not found");
        const t = structuredClone(deref("/components/examples/branch-get").value.value as Json);
        Object.assign(t, { name: p.branch, protected: r.protectedBranches.has(String(p.branch)) });
        Object.assign(t.commit as Json, { sha });
        return { status: 200, body: t };
      }
      case "pulls/create": {
        if (!r) return err(404, "Not Found");
        const b = req.body as { title?: string; body?: string; head: string; base: string; draft?: boolean };
        const all = branches(r);
        // `head` may be `owner:branch`
        const head = b.head.includes(":") ? b.head.split(":")[1]! : b.head;
        if (!all.has(b.base)) return invalid([{ resource: "PullRequest", field: "base", code: "invalid" }]);
        if (!all.has(head)) return invalid([{ resource: "PullRequest", field: "head", code: "invalid" }]);
        if ([...r.pulls.values()].some((x) => x.head === head && x.state === "open")) {
          return invalid([{ resource: "PullRequest", code: "custom", message: `A pull request already exists for ${r.owner}:${head}.` }]);
        }
        const none = r.bare ? aheadCount(r.bare, `refs/heads/${b.base}`, `refs/heads/${head}`) === 0 : all.get(head) === all.get(b.base);
        if (none) return invalid([{ resource: "PullRequest", code: "custom", message: `No commits between ${b.base} and ${head}` }]);
        const pr: Pr = { number: r.pulls.size + 1, title: b.title ?? "", body: b.body ?? null, head, base: b.base, draft: b.draft ?? false, state: "open", merged: false, mergeSha: null, conflict: false, reviews: [] };
        r.pulls.set(pr.number, pr);
        return { status: 201, body: prJson(r, pr) };
      }
      case "pulls/list": {
        if (!r) return err(404, "Not Found");
        const state = req.query.get("state") ?? "open";
        const head = req.query.get("head");
        const list = [...r.pulls.values()].filter((x) => {
          if (state !== "all" && x.state !== state) return false;
          if (head) {
            const [owner, branch] = head.includes(":") ? head.split(":") : [r.owner, head];
            if (owner!.toLowerCase() !== r.owner.toLowerCase() || x.head !== branch) return false;
          }
          return true;
        });
        return { status: 200, body: list.map((x) => prFields(r, x, simpleTemplate())) };
      }
      case "pulls/get": {
        const pr = r?.pulls.get(Number(p.pull_number));
        if (!r || !pr) return err(404, "Not Found");
        return { status: 200, body: prJson(r, pr) };
      }
      case "pulls/update": {
        const pr = r?.pulls.get(Number(p.pull_number));
        if (!r || !pr) return err(404, "Not Found");
        const b = (req.body ?? {}) as { title?: string; body?: string; state?: "open" | "closed" };
        if (b.title !== undefined) pr.title = b.title;
        if (b.body !== undefined) pr.body = b.body;
        if (b.state === "closed" && pr.state === "open" && !pr.merged) {
          pr.frozenHead = headOf(r, pr);
          pr.state = "closed";
        }
        return { status: 200, body: prJson(r, pr) };
      }
      case "pulls/list-reviews": {
        const pr = r?.pulls.get(Number(p.pull_number));
        if (!r || !pr) return err(404, "Not Found");
        return { status: 200, body: pr.reviews.map((rv) => reviewJson(r, pr, rv)) };
      }
      case "pulls/merge": {
        const pr = r?.pulls.get(Number(p.pull_number));
        if (!r || !pr) return err(404, "Not Found");
        const b = (req.body ?? {}) as { merge_method?: string; sha?: string };
        const headSha = headOf(r, pr);
        if (pr.merged || pr.state === "closed") return err(405, "Pull Request is not mergeable");
        const method = b.merge_method ?? "merge";
        if (!r.mergeMethods.has(method)) return err(405, `${method === "squash" ? "Squash merges" : method === "rebase" ? "Rebase merges" : "Merge commits"} are not allowed on this repository.`);
        if (b.sha && b.sha !== headSha) return err(409, "Head branch was modified. Review and try the merge again.");
        if (pr.draft) return err(405, "Pull Request is still a draft");
        if (conflicts(r, pr)) return err(405, "Pull Request is not mergeable");
        const failing = requiredChecksFailing(r, headSha);
        if (failing) return err(405, failing);
        if (approvalsMissing(r, pr)) return err(405, `At least ${r.requiredApprovals} approving review is required by reviewers with write access.`);
        const sha = doMerge(r, pr, method);
        if (!sha) return err(405, "Pull Request is not mergeable");
        return { status: 200, body: { sha, merged: true, message: "Pull Request successfully merged" } };
      }
      case "checks/list-for-ref": {
        if (!r) return err(404, "Not Found");
        const runs = r.checks.get(p.ref!) ?? [];
        const example = (deref("/components/examples/check-run-paginated").value.value as { check_runs: Json[] }).check_runs[0]!;
        return {
          status: 200,
          body: {
            total_count: runs.length,
            check_runs: runs.map((c, i) => ({ ...structuredClone(example), id: i + 1, name: c.name, head_sha: p.ref, status: c.status, conclusion: c.status === "completed" ? (c.conclusion ?? "success") : null, completed_at: c.status === "completed" ? new Date().toISOString() : null, ...(c.output ? { output: { ...(example.output as object), ...c.output } } : {}) })),
          },
        };
      }
      default:
        // issues, labels, comments: github-double-issues.ts
        return issues.handle(req, r ? { owner: r.owner, name: r.name } : undefined, base) ?? err(404, "Not Found");
    }
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://double");
    if (GIT_PATH.test(url.pathname)) {
      const user = basicAuthUser(req.headers.authorization, token);
      gitRequests.push({ method: req.method ?? "", path: url.pathname, ...(user ? { user } : {}) });
      serveGit(gitRoot, req, res, url, user, children);
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests.push({ method: req.method ?? "", path: url.pathname, authorization: req.headers.authorization });
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: unknown;
      const found: string[] = [];
      if (raw) {
        try {
          body = JSON.parse(raw);
        } catch {
          found.push(`${req.method} ${url.pathname}: the body is not JSON`);
        }
      }
      const v = validateRequest(req.method ?? "", url, body, raw.length > 0);
      found.push(...v.problems);
      const send = (a: DoubleAnswer) => {
        res.writeHead(a.status, { "content-type": "application/json; charset=utf-8", ...a.headers });
        res.end(a.body === undefined ? "" : JSON.stringify(a.body));
      };
      if (found.length || !v.op) {
        problems.push(...found);
        return send({ status: 500, body: { message: `github double: the request does not match GitHub's description: ${found.join("; ")}` } });
      }
      const auth = req.headers.authorization ?? "";
      if (auth !== `token ${token}` && auth !== `Bearer ${token}`) {
        const a = err(401, "Bad credentials");
        return send(a);
      }
      // an edge 503 during an issues outage (github-double-issues.ts): not the operation's own answer
      if (issues.takeOutage(String(v.op.op.operationId))) return send({ status: 503, body: { message: "Service Unavailable" } });
      // a rate-limited answer (github-double-issues.ts): GitHub's 403/429 with its reset headers, for any route
      const limited = issues.takeRateLimit(String(v.op.op.operationId));
      if (limited) return send(limited);
      let answer: DoubleAnswer;
      try {
        answer = queued.shift() ?? handle({ operationId: String(v.op.op.operationId), params: v.params, query: url.searchParams, body, headers: req.headers });
      } catch (e) {
        problems.push(`${req.method} ${url.pathname}: the double failed: ${(e as Error).message}`);
        return send({ status: 500, body: { message: `github double failed: ${(e as Error).message}` } });
      }
      const bad = validateResponse(v.op, answer);
      if (bad.length) {
        problems.push(...bad);
        return send({ status: 500, body: { message: `github double: the answer does not match GitHub's description: ${bad.join("; ")}` } });
      }
      // Conditional requests, as GitHub answers every GET: a 200 carries an ETag of its body, and a
      // request whose If-None-Match names the current one gets 304 with no body (HTTP caching, which
      // the description does not list per operation, so the 304 itself is not checked against it).
      if (req.method === "GET" && answer.status === 200) {
        const etag = `W/"${createHash("sha256").update(JSON.stringify(answer.body ?? null)).digest("hex").slice(0, 32)}"`;
        const asked = String(req.headers["if-none-match"] ?? "").split(",").map((t) => t.trim());
        if (asked.includes(etag)) {
          res.writeHead(304, { etag });
          return res.end();
        }
        answer = { ...answer, headers: { ...answer.headers, etag } };
      }
      send(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const need = (owner: string, name: string) => {
    const r = repoOf(owner, name);
    if (!r) throw new Error(`github double: no repository ${owner}/${name}`);
    return r;
  };
  const pull = (owner: string, name: string, number: number) => {
    const pr = need(owner, name).pulls.get(number);
    if (!pr) throw new Error(`github double: no pull request ${owner}/${name}#${number}`);
    return pr;
  };
  const review = (owner: string, name: string, number: number, state: Review["state"], body: string, user: string) => {
    const r = need(owner, name);
    const pr = pull(owner, name, number);
    pr.reviews.push({ id: ++reviewIds, user, state, body, commitId: headOf(r, pr) });
  };
  return {
    url: base,
    token,
    problems,
    requests,
    gitRequests,
    addRepo(owner, name, o = {}) {
      const defaultBranch = o.defaultBranch ?? "main";
      const r: Repo = {
        owner,
        name,
        defaultBranch,
        branches: new Map(Object.entries(o.branches ?? { [defaultBranch]: newSha() })),
        pulls: new Map(),
        checks: new Map(),
        requiredApprovals: o.requiredApprovals ?? 0,
        requiredChecks: o.requiredChecks ?? [],
        mergeMethods: new Set(o.mergeMethods ?? ["merge", "squash", "rebase"]),
        protectedBranches: new Set(o.protectedBranches ?? []),
      };
      if (o.git) r.bare = gitRoot.create(owner, name, defaultBranch);
      repos.set(`${owner}/${name}`.toLowerCase(), r);
    },
    cloneUrl: (owner, name) => `${base}/${owner}/${name}.git`,
    barePath(owner, name) {
      const r = need(owner, name);
      if (!r.bare) throw new Error(`github double: ${owner}/${name} is not backed by git`);
      return r.bare;
    },
    branchSha: (owner, name, branch) => branches(need(owner, name)).get(branch),
    setChecks(owner, name, sha, runs) {
      need(owner, name).checks.set(sha, runs);
    },
    setConflict(owner, name, number, conflict) {
      pull(owner, name, number).conflict = conflict;
    },
    approve(owner, name, number, user = "reviewer") {
      review(owner, name, number, "APPROVED", "", user);
    },
    requestChanges(owner, name, number, body, user = "reviewer") {
      review(owner, name, number, "CHANGES_REQUESTED", body, user);
    },
    closePr(owner, name, number) {
      const r = need(owner, name);
      const pr = pull(owner, name, number);
      pr.frozenHead = headOf(r, pr);
      pr.state = "closed";
    },
    mergeOnForge(owner, name, number, method = "merge") {
      const r = need(owner, name);
      const pr = pull(owner, name, number);
      if (pr.state !== "open") throw new Error(`github double: #${number} is not open`);
      const sha = doMerge(r, pr, method);
      if (!sha) throw new Error(`github double: #${number} conflicts with ${pr.base}`);
      return sha;
    },
    pullFor(owner, name, branch) {
      const pr = [...need(owner, name).pulls.values()].reverse().find((x) => x.head === branch);
      return pr ? { number: pr.number, title: pr.title, body: pr.body, draft: pr.draft, state: pr.state, merged: pr.merged, mergeSha: pr.mergeSha, base: pr.base } : undefined;
    },
    pushTo(owner, name, branch, sha) {
      const r = need(owner, name);
      if (r.bare) setBranch(r.bare, branch, sha);
      else r.branches.set(branch, sha);
    },
    answerNext(a) {
      queued.push(a);
    },
    issues,
    close: async () => {
      for (const c of children) c.kill("SIGKILL");
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
      gitRoot.close();
    },
  };
}
