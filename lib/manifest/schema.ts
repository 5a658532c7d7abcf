/**
 * The manifest schema: input is the job file's front matter (or the `manifest` of a JSON submission)
 * with kebab-case keys; output is the normalized `Manifest` of lib/types.ts (defaults filled,
 * durations in ms, token counts as integers, capabilities canonical).
 *
 * Every field is validated by a small function of ./values (or lib/duration, lib/size,
 * lib/capability) wrapped as a zod transform, so each problem gets a message written for people
 * ("expected a duration like 90s, 45m, 4h or 1h30m") and the exact path (`retry.on[1]`).
 * Unknown fields are refused with a did-you-mean; `x-` fields pass through verbatim.
 */
import { z } from "zod";
import { suggestion } from "../did-you-mean";
import { findSecrets, secretMessage } from "../secrets";
import { RETRY_ON, type Budget, type Manifest, type RetryPolicy, type ReviewPolicy } from "../types";
import { field, list } from "./zod-fields";
import {
  checkArtifact,
  checkBoolean,
  checkBranchName,
  checkBranchTemplate,
  checkDelivery,
  checkCapability,
  checkDep,
  checkDuration,
  checkEngine,
  checkEngineClass,
  checkGlob,
  checkIdempotencyKey,
  checkLock,
  checkMax,
  checkPath,
  checkPriority,
  checkProduct,
  checkProfileName,
  checkRepo,
  checkRetryOn,
  checkReviewer,
  checkShellCommand,
  checkTokens,
  checkTrackerItem,
  checkUsd,
  escapesBase,
  expected,
  isAbsolutePath,
} from "./values";

export { field, list, MAX_LIST } from "./zod-fields";
export { checkCapability, checkDuration, checkUsd } from "./values";

function objectError(what: string) {
  return (issue: { code: string; input?: unknown }) =>
    issue.code === "invalid_type" ? expected(what, issue.input) : undefined;
}

export const DEFAULT_RETRY: RetryPolicy = { max: 0, backoff: 60_000, on: ["timeout", "agent_failed"] };

const budgetSchema = z.strictObject(
  {
    usd: field(checkUsd).optional(),
    tokens: field(checkTokens).optional(),
    wall: field(checkDuration).optional(),
  },
  { error: objectError("a mapping like { usd: 5, tokens: 2M, wall: 4h }") },
);

const retrySchema = z.strictObject(
  {
    max: field(checkMax).optional(),
    backoff: field(checkDuration).optional(),
    on: list(checkRetryOn, "retry reasons", { unique: "dedupe", empty: `list at least one of ${RETRY_ON.join(", ")}` }).optional(),
  },
  { error: objectError("a mapping like { max: 2, backoff: 5m, on: [timeout, verify_failed] }") },
);

const reviewersSchema = z.strictObject(
  { reviewers: list(checkReviewer, "reviewers like @alice", { unique: "dedupe", empty: "list at least one reviewer, like [\"@alice\"]" }) },
  { error: objectError("auto, manual or { reviewers: [\"@alice\"] }") },
);

const REVIEW_HINT = 'expected auto, manual or { reviewers: ["@alice"] }';

export const reviewPolicySchema = z.unknown().transform((v, ctx): ReviewPolicy => {
  if (typeof v === "string") {
    const s = v.trim().toLowerCase();
    if (s === "auto" || s === "manual") return s;
    ctx.addIssue({ code: "custom", message: `${REVIEW_HINT}, got "${v}"${suggestion(s, ["auto", "manual"])}`, input: undefined });
    return z.NEVER;
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    ctx.addIssue({ code: "custom", message: expected('auto, manual or { reviewers: ["@alice"] }', v), input: undefined });
    return z.NEVER;
  }
  const r = reviewersSchema.safeParse(v);
  if (r.success) return { reviewers: r.data.reviewers };
  for (const issue of r.error.issues) ctx.addIssue({ ...issue, input: undefined } as Parameters<typeof ctx.addIssue>[0]);
  return z.NEVER;
});

/** The fields of a manifest, in the order of CONTRACT §1 (and of the normalized output). */
export const manifestShape = {
  engine: field(checkEngine).optional(),
  cwd: field(checkPath).optional(),
  repo: field(checkRepo).optional(),
  yolo: field(checkBoolean).optional(),
  lock: field(checkLock).optional(),
  timeout: field(checkDuration).optional(),
  verify: field(checkShellCommand).optional(),
  profile: field(checkProfileName).optional(),
  "engine-class": field(checkEngineClass).optional(),
  capabilities: list(checkCapability, "capabilities like os:mac, gpu or node>=20", { unique: "dedupe" }).optional(),
  prefers: list(checkCapability, "hints like factory:mac-2 or any capability", { unique: "dedupe" }).optional(),
  priority: field(checkPriority).optional(),
  budget: budgetSchema.optional(),
  deps: list(checkDep, "job ids or idempotency keys", { unique: "refuse" }).optional(),
  "idempotency-key": field(checkIdempotencyKey).optional(),
  retry: retrySchema.optional(),
  "review-policy": reviewPolicySchema.optional(),
  artifacts: list(checkArtifact, "artifacts (diff, coverage, screenshots, build-logs or globs)", { unique: "dedupe" }).optional(),
  // An empty list means "no restriction", like leaving the field out (the normalized default is []),
  // but it still counts as set: a job can lift its profile's scope with `allowed-scope: []`.
  "allowed-scope": list(checkGlob, "globs like src/**", { unique: "dedupe" }).optional(),
  "tracker-item": field(checkTrackerItem).optional(),
  delivery: field(checkDelivery).optional(),
  "base-branch": field(checkBranchName).optional(),
  branch: field(checkBranchTemplate).optional(),
  product: field(checkProduct).optional(),
};

export type ManifestField = keyof typeof manifestShape;
export const MANIFEST_FIELDS = Object.keys(manifestShape) as ManifestField[];

/** Wrong names people write, mapped to the field they meant (no spelling distance finds these). */
export const FIELD_ALIASES: Record<string, string> = {
  dependencies: "deps",
  "depends-on": "deps",
  needs: "deps",
  caps: "capabilities",
  requires: "capabilities",
  requirements: "capabilities",
  reviewers: "review-policy",
  review: "review-policy",
  scope: "allowed-scope",
  paths: "allowed-scope",
  retries: "retry",
  "max-retries": "retry",
  role: "profile",
  agent: "engine",
  model: "engine",
  dir: "cwd",
  workdir: "cwd",
  repository: "repo",
  test: "verify",
  check: "verify",
  tracker: "tracker-item",
  issue: "tracker-item",
  push: "delivery",
  deliver: "delivery",
  ship: "delivery",
  base: "base-branch",
  target: "base-branch",
  "target-branch": "base-branch",
  "branch-name": "branch",
  key: "idempotency-key",
  idempotency: "idempotency-key",
  prefer: "prefers",
  class: "engine-class",
  dollars: "usd",
  cost: "usd",
  money: "usd",
  token: "tokens",
  time: "wall",
  duration: "wall",
  attempts: "max",
  delay: "backoff",
  when: "on",
};

export const BUDGET_FIELDS = ["usd", "tokens", "wall"] as const;
export const RETRY_FIELDS = ["max", "backoff", "on"] as const;

const ROOT_HINT = "expected the manifest to be a mapping of fields (field: value)";

type Parsed = { [K in ManifestField]?: z.output<(typeof manifestShape)[K]> } & Record<string, unknown>;

/** Unknown fields, with a did-you-mean (the catchall keeps their keys in the parsed object). */
function checkUnknownFields(input: Record<string, unknown>, ctx: z.core.$RefinementCtx<Record<string, unknown>>): void {
  if (input === null || typeof input !== "object" || Array.isArray(input)) return;
  for (const key of Object.keys(input)) {
    if (key in manifestShape || key.startsWith("x-")) continue;
    ctx.addIssue({
      code: "custom",
      path: [key],
      message: `unknown field \`${key}\`${suggestion(key, MANIFEST_FIELDS, FIELD_ALIASES) || " (custom fields must start with x-)"}`,
      input: undefined,
    });
  }
}

/**
 * Refuses secret-looking values anywhere in the raw input (x- fields and field names included)
 * before anything else is checked, so that no later message can quote a secret: when one is found,
 * only the secrets are reported.
 */
export function refuseSecrets(what: string) {
  return (raw: unknown, ctx: z.core.$RefinementCtx<unknown>): unknown => {
    for (const hit of scanForSecrets(raw, [])) {
      ctx.addIssue({ code: "custom", path: hit.path, message: secretMessage(hit.kind).replace("job files", what), params: { secret: true }, input: undefined });
    }
    return raw;
  };
}

/**
 * Every string (and key) in a value that looks like a secret, with where it is. Iterative with an
 * explicit stack: there is no depth past which a nested value goes unscanned, and no recursion for a
 * deep value to overflow. Depth-first, in document order.
 */
export function scanForSecrets(value: unknown, path: (string | number)[] = []): { path: (string | number)[]; kind: string }[] {
  // A path is a parent link, spelled out only for a hit: copying it per node would make a deep
  // value cost depth² instead of its size.
  type Link = { key: string | number; up: Link | undefined } | undefined;
  const spell = (link: Link, last?: string): (string | number)[] => {
    const keys: (string | number)[] = last === undefined ? [] : [last];
    for (let l = link; l; l = l.up) keys.push(l.key);
    return [...path, ...keys.reverse()];
  };
  const out: { path: (string | number)[]; kind: string }[] = [];
  const stack: { value: unknown; at: Link }[] = [{ value, at: undefined }];
  while (stack.length > 0) {
    const { value: v, at } = stack.pop()!;
    if (typeof v === "string") {
      const found = findSecrets(v);
      if (found.length) out.push({ path: spell(at), kind: found[0]!.kind });
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], at: { key: i, up: at } });
    } else if (v !== null && typeof v === "object") {
      const children: { value: unknown; at: Link }[] = [];
      for (const [k, child] of Object.entries(v)) {
        const keyHit = findSecrets(k);
        if (keyHit.length) out.push({ path: spell(at, "(a field name)"), kind: keyHit[0]!.kind });
        else children.push({ value: child, at: { key: k, up: at } });
      }
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    }
  }
  return out;
}

function normalize(o: Parsed, ctx: z.core.$RefinementCtx<Parsed>): Manifest {
  const problem = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message, input: undefined });

  if (o.cwd !== undefined) {
    if (o.repo !== undefined) {
      if (isAbsolutePath(o.cwd)) problem(["cwd"], "with repo set, cwd is relative to the checkout (like packages/web), not an absolute path");
      else if (escapesBase(o.cwd)) problem(["cwd"], "cwd may not leave the checkout ('..')");
    } else if (!isAbsolutePath(o.cwd)) {
      problem(["cwd"], "without repo, cwd must be an absolute path on the factory (like /home/me/web or ~/web); with repo it is relative to the checkout");
    }
  }
  const key = o["idempotency-key"];
  o.deps?.forEach((d, i) => {
    if (key !== undefined && d === key) problem(["deps", i], "a job cannot depend on itself (this is its own idempotency-key)");
  });
  // Delivery is about the repository's remote: without a repo there is nothing to push.
  if (o.repo === undefined) {
    if (o.delivery !== undefined && o.delivery !== "none") problem(["delivery"], `delivery: ${o.delivery} needs a repo to push to (set repo, or delivery: none)`);
    for (const f of ["base-branch", "branch"] as const) if (o[f] !== undefined) problem([f], `${f} needs a repo to push to`);
  }
  if (o.delivery === "none") for (const f of ["branch"] as const) if (o[f] !== undefined) problem([f], "with delivery: none no branch is pushed");
  if (o.delivery === "merge" && o.branch !== undefined && o["base-branch"] !== undefined && o.branch === o["base-branch"]) {
    problem(["branch"], "the job branch must differ from base-branch");
  }
  const oses = (o.capabilities ?? []).filter((c) => c.startsWith("os:") && c !== "os:any");
  if (oses.length > 1) problem(["capabilities"], `${oses.join(" and ")} cannot both hold: a factory has one os`);

  const budget: Budget = {};
  if (o.budget?.usd !== undefined) budget.usd = o.budget.usd;
  if (o.budget?.tokens !== undefined) budget.tokens = o.budget.tokens;
  if (o.budget?.wall !== undefined) budget.wall = o.budget.wall;

  const m: Manifest = {
    ...(o.engine !== undefined && { engine: o.engine }),
    ...(o.cwd !== undefined && { cwd: o.cwd }),
    ...(o.repo !== undefined && { repo: o.repo }),
    yolo: o.yolo ?? false,
    ...(o.lock !== undefined && { lock: o.lock }),
    ...(o.timeout !== undefined && { timeout: o.timeout }),
    ...(o.verify !== undefined && { verify: o.verify }),
    ...(o.profile !== undefined && { profile: o.profile }),
    ...(o["engine-class"] !== undefined && { "engine-class": o["engine-class"] }),
    capabilities: o.capabilities ?? [],
    prefers: o.prefers ?? [],
    priority: o.priority ?? "medium",
    budget,
    deps: o.deps ?? [],
    ...(key !== undefined && { "idempotency-key": key }),
    retry: {
      max: o.retry?.max ?? DEFAULT_RETRY.max,
      backoff: o.retry?.backoff ?? DEFAULT_RETRY.backoff,
      on: o.retry?.on ?? [...DEFAULT_RETRY.on],
    },
    "review-policy": o["review-policy"] ?? "manual",
    artifacts: o.artifacts ?? [],
    "allowed-scope": o["allowed-scope"] ?? [],
    ...(o["tracker-item"] !== undefined && { "tracker-item": o["tracker-item"] }),
    ...(o.delivery !== undefined && { delivery: o.delivery }),
    ...(o["base-branch"] !== undefined && { "base-branch": o["base-branch"] }),
    ...(o.branch !== undefined && { branch: o.branch }),
    ...(o.product !== undefined && { product: o.product }),
  };
  for (const [k, v] of Object.entries(o)) {
    if (k.startsWith("x-")) (m as unknown as Record<string, unknown>)[k] = v;
  }
  return m;
}

/** Input: the front matter / JSON manifest (kebab-case). Output: the normalized Manifest. */
export const manifestSchema = z.preprocess(
  refuseSecrets("job files"),
  z
    .looseObject(manifestShape, {
      error: (issue) => (issue.code === "invalid_type" ? `${ROOT_HINT}, ${expected("", issue.input).replace(/^expected , /, "")}` : undefined),
    })
    .superRefine(checkUnknownFields, { when: () => true })
    .transform((o, ctx) => normalize(o as Parsed, ctx)),
);

export type ManifestInput = z.input<typeof manifestSchema>;
