import http from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { Ajv, type ValidateFunction } from "ajv";

/**
 * A local GitHub REST API for tests (DESIGN "test doubles are held to the real contract"): a real
 * HTTP server whose every request and every answer is validated against the operation of GitHub's
 * published OpenAPI description (@octokit/openapi, api.github.com): the path and method must name an
 * operation, path and query parameters and the JSON body must match its schemas (no undeclared query
 * parameter), and the status served must be one the operation declares with a body matching its
 * schema. A mismatch is recorded in `problems` (tests assert it empty) and answered 500, so the
 * double cannot drift from the real API and a client bug cannot pass unseen.
 *
 * It keeps a small GitHub in memory: repositories with branches, pull requests, check runs and
 * branch protection (required reviews), enough for the adapter's open / read / merge paths.
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
}
export interface BranchSeed {
  sha: string;
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
  conflict: boolean;
  approvals: number;
}
interface Repo {
  owner: string;
  name: string;
  branches: Map<string, string>;
  pulls: Map<number, Pr>;
  checks: Map<string, CheckRunSeed[]>;
  requiredApprovals: number;
  /** checks whose failure blocks a merge (branch protection's required status checks) */
  requiredChecks: string[];
  mergeMethods: Set<string>;
}

export interface GithubDouble {
  url: string;
  /** the token requests must carry (`Authorization: token …` or `Bearer …`) */
  token: string;
  problems: string[];
  /** every request seen: method, path and the Authorization header as received */
  requests: { method: string; path: string; authorization?: string }[];
  addRepo(owner: string, name: string, opts?: { branches?: Record<string, string>; requiredApprovals?: number; requiredChecks?: string[]; mergeMethods?: string[] }): void;
  setChecks(owner: string, name: string, sha: string, runs: CheckRunSeed[]): void;
  setConflict(owner: string, name: string, number: number, conflict: boolean): void;
  approve(owner: string, name: string, number: number): void;
  pushTo(owner: string, name: string, branch: string, sha: string): void;
  /** answers the next request with this (validated like any other): a way to test refusals GitHub may give */
  answerNext(a: DoubleAnswer): void;
  close(): Promise<void>;
}

/**
 * A pull request body built from GitHub's own example. The example itself does not match its schema
 * (its requested_teams lack the required `type`: the double caught that), so the double asks for no teams.
 */
const template = (): Json => ({ ...structuredClone(deref("/components/examples/pull-request").value.value as Json), requested_teams: [] });

let shaCounter = 0;
const newSha = () => (++shaCounter).toString(16).padStart(8, "0").repeat(5);

export async function startGithubDouble(opts: { token?: string } = {}): Promise<GithubDouble> {
  description();
  const token = opts.token ?? "github_pat_double_0123456789";
  const repos = new Map<string, Repo>();
  const problems: string[] = [];
  const requests: GithubDouble["requests"] = [];
  const queued: DoubleAnswer[] = [];
  let base = "";

  const repoOf = (owner: string, name: string) => repos.get(`${owner}/${name}`.toLowerCase());

  function prJson(r: Repo, pr: Pr): Json {
    const t = template();
    const headSha = r.branches.get(pr.head) ?? "0".repeat(40);
    const baseSha = r.branches.get(pr.base) ?? "0".repeat(40);
    const repoUrl = `${base}/repos/${r.owner}/${r.name}`;
    const htmlUrl = `https://github.com/${r.owner}/${r.name}/pull/${pr.number}`;
    const blocked = requiredChecksFailing(r, headSha) || approvalsMissing(r, pr);
    Object.assign(t, {
      id: 1000 + pr.number,
      number: pr.number,
      url: `${repoUrl}/pulls/${pr.number}`,
      html_url: htmlUrl,
      title: pr.title,
      body: pr.body,
      state: pr.state,
      draft: pr.draft,
      merged: pr.merged,
      merged_at: pr.merged ? new Date().toISOString() : null,
      closed_at: pr.state === "closed" ? new Date().toISOString() : null,
      merge_commit_sha: pr.mergeSha,
      mergeable: pr.merged ? null : !pr.conflict,
      mergeable_state: pr.merged ? "unknown" : pr.conflict ? "dirty" : pr.draft ? "draft" : blocked ? "blocked" : "clean",
    });
    (t.head as Json).ref = pr.head;
    (t.head as Json).sha = headSha;
    (t.base as Json).ref = pr.base;
    (t.base as Json).sha = baseSha;
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
  function approvalsMissing(r: Repo, pr: Pr): boolean {
    return pr.approvals < r.requiredApprovals;
  }

  const err = (status: number, message: string): DoubleAnswer => ({ status, body: { message, documentation_url: "https://docs.github.com/rest" } });

  function handle(req: DoubleRequest): DoubleAnswer {
    const p = req.params;
    const r = p.owner && p.repo ? repoOf(p.owner, p.repo) : undefined;
    switch (req.operationId) {
      case "pulls/create": {
        if (!r) return err(404, "Not Found");
        const b = req.body as { title?: string; body?: string; head: string; base: string; draft?: boolean };
        if (!r.branches.has(b.base)) return { status: 422, body: { message: "Validation Failed", errors: [{ resource: "PullRequest", field: "base", code: "invalid" }], documentation_url: "https://docs.github.com/rest" } };
        if (!r.branches.has(b.head)) return { status: 422, body: { message: "Validation Failed", errors: [{ resource: "PullRequest", field: "head", code: "invalid" }], documentation_url: "https://docs.github.com/rest" } };
        if ([...r.pulls.values()].some((x) => x.head === b.head && x.state === "open")) {
          return { status: 422, body: { message: "Validation Failed", errors: [{ resource: "PullRequest", code: "custom", message: `A pull request already exists for ${r.owner}:${b.head}.` }], documentation_url: "https://docs.github.com/rest" } };
        }
        if (r.branches.get(b.head) === r.branches.get(b.base)) {
          return { status: 422, body: { message: "Validation Failed", errors: [{ resource: "PullRequest", code: "custom", message: `No commits between ${b.base} and ${b.head}` }], documentation_url: "https://docs.github.com/rest" } };
        }
        const pr: Pr = { number: r.pulls.size + 1, title: b.title ?? "", body: b.body ?? null, head: b.head, base: b.base, draft: b.draft ?? false, state: "open", merged: false, mergeSha: null, conflict: false, approvals: 0 };
        r.pulls.set(pr.number, pr);
        return { status: 201, body: prJson(r, pr) };
      }
      case "pulls/get": {
        const pr = r?.pulls.get(Number(p.pull_number));
        if (!r || !pr) return err(404, "Not Found");
        return { status: 200, body: prJson(r, pr) };
      }
      case "pulls/merge": {
        const pr = r?.pulls.get(Number(p.pull_number));
        if (!r || !pr) return err(404, "Not Found");
        const b = (req.body ?? {}) as { merge_method?: string; sha?: string };
        const headSha = r.branches.get(pr.head)!;
        if (pr.merged || pr.state === "closed") return err(405, "Pull Request is not mergeable");
        if (!r.mergeMethods.has(b.merge_method ?? "merge")) return err(405, `${b.merge_method === "squash" ? "Squash merges" : b.merge_method === "rebase" ? "Rebase merges" : "Merge commits"} are not allowed on this repository.`);
        if (b.sha && b.sha !== headSha) return err(409, "Head branch was modified. Review and try the merge again.");
        if (pr.conflict) return err(405, "Pull Request is not mergeable");
        const failing = requiredChecksFailing(r, headSha);
        if (failing) return err(405, failing);
        if (approvalsMissing(r, pr)) return err(405, `At least ${r.requiredApprovals} approving review is required by reviewers with write access.`);
        const sha = newSha();
        r.branches.set(pr.base, sha);
        pr.merged = true;
        pr.state = "closed";
        pr.mergeSha = sha;
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
            check_runs: runs.map((c, i) => ({ ...structuredClone(example), id: i + 1, name: c.name, head_sha: p.ref, status: c.status, conclusion: c.status === "completed" ? (c.conclusion ?? "success") : null, completed_at: c.status === "completed" ? new Date().toISOString() : null })),
          },
        };
      }
      default:
        return err(404, "Not Found");
    }
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://double");
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
        res.writeHead(a.status, { "content-type": "application/json; charset=utf-8" });
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
      const answer = queued.shift() ?? handle({ operationId: String(v.op.op.operationId), params: v.params, query: url.searchParams, body, headers: req.headers });
      const bad = validateResponse(v.op, answer);
      if (bad.length) {
        problems.push(...bad);
        return send({ status: 500, body: { message: `github double: the answer does not match GitHub's description: ${bad.join("; ")}` } });
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
  return {
    url: base,
    token,
    problems,
    requests,
    addRepo(owner, name, o = {}) {
      repos.set(`${owner}/${name}`.toLowerCase(), {
        owner,
        name,
        branches: new Map(Object.entries(o.branches ?? { main: newSha() })),
        pulls: new Map(),
        checks: new Map(),
        requiredApprovals: o.requiredApprovals ?? 0,
        requiredChecks: o.requiredChecks ?? [],
        mergeMethods: new Set(o.mergeMethods ?? ["merge", "squash", "rebase"]),
      });
    },
    setChecks(owner, name, sha, runs) {
      need(owner, name).checks.set(sha, runs);
    },
    setConflict(owner, name, number, conflict) {
      need(owner, name).pulls.get(number)!.conflict = conflict;
    },
    approve(owner, name, number) {
      need(owner, name).pulls.get(number)!.approvals++;
    },
    pushTo(owner, name, branch, sha) {
      need(owner, name).branches.set(branch, sha);
    },
    answerNext(a) {
      queued.push(a);
    },
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
