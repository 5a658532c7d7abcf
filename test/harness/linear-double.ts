/**
 * Test harness: a local Linear GraphQL endpoint (real HTTP on loopback) that answers the queries
 * and mutations @linear/sdk itself sends, so the adapter (server/tracker/linear) is tested through
 * the real SDK client.
 *
 *   const linear = await startLinearDouble();
 *   linear.url, linear.apiKey                 // LinearClient({ apiKey, apiUrl: url })
 *   const team = linear.addTeam("ENG");       // with Backlog/Todo/In Progress/In Review/Done/Canceled
 *   const issue = linear.addIssue("ENG", { title, description, labels: ["agent:run"] });  // ENG-1
 *   linear.operations                         // every operation answered: {name, variables}
 *   linear.failNext(2, 503)                   // the next two requests fail (an outage)
 *   await linear.stop()
 *
 * Held to the SDK's contract, so it cannot drift from what the SDK sends:
 * - @linear/sdk ships no schema file (no .graphql, no introspection JSON in the package); what it
 *   ships is its generated documents (`LinearDocument`). Each incoming `query` must be exactly one
 *   of those documents' text, else the request is refused (400, naming the operation). A new SDK
 *   version that changes a query is answered by what the new document says.
 * - The document is parsed with `graphql`; the variables are checked against the operation's
 *   declared variable types (required ones present, none undeclared, built-in scalars typed, input
 *   objects objects, enums strings).
 * - The answer is built by walking the document's own selection set (fragments included) over the
 *   double's records, so each answer has exactly the fields the SDK asked for, with `__typename`.
 * - Filters and inputs the double does not implement are refused (400 naming the field) rather
 *   than silently ignored, so a test cannot pass on a filter nobody evaluated.
 * - Errors are Linear's shape: `{errors: [{message, extensions: {type, userPresentableMessage}}]}`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { LinearDocument } from "@linear/sdk";
import {
  Kind,
  parse,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type TypeNode,
  type ValueNode,
} from "graphql";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Entity = { __typename: string; [k: string]: unknown };

export interface DoubleTeam {
  id: string;
  key: string;
  name: string;
}
export interface DoubleState {
  id: string;
  name: string;
  type: string;
  position: number;
  teamId: string;
}
export interface DoubleLabel {
  id: string;
  name: string;
  teamId: string | null;
}
export interface DoubleIssue {
  id: string;
  identifier: string;
  number: number;
  teamId: string;
  title: string;
  description: string | null;
  stateId: string;
  labelIds: string[];
  creatorId: string | null;
  createdAt: string;
  updatedAt: string;
}
export interface DoubleComment {
  id: string;
  issueId: string;
  body: string;
  createdAt: string;
  updatedAt: string;
  editedAt: string | null;
}

export interface LinearDouble {
  /** the GraphQL endpoint (LINEAR_API_URL) */
  url: string;
  apiKey: string;
  teams: DoubleTeam[];
  states: DoubleState[];
  labels: DoubleLabel[];
  issues: DoubleIssue[];
  comments: DoubleComment[];
  /** every operation answered (refused ones too), in order */
  operations: { name: string; variables: Record<string, unknown> }[];
  addTeam(key: string): DoubleTeam;
  addLabel(name: string, teamKey?: string): DoubleLabel;
  addIssue(teamKey: string, i: { title: string; description?: string; labels?: string[]; state?: string }): DoubleIssue;
  issue(identifier: string): DoubleIssue;
  stateOf(identifier: string): DoubleState;
  labelNames(identifier: string): string[];
  commentsOf(identifier: string): DoubleComment[];
  /** the next `n` requests answer `status` (an outage) */
  failNext(n: number, status?: number): void;
  stop(): Promise<void>;
}

class DoubleError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 200,
  ) {
    super(message);
  }
}

/** The SDK's documents by their text: only these are answered. */
const DOCUMENTS = new Map<string, string>();
for (const [name, doc] of Object.entries(LinearDocument)) {
  if (name.endsWith("Document") && doc && typeof doc === "object") DOCUMENTS.set(String(doc), name);
}

/**
 * Linear's object types as the SDK declares them: its generated type declarations (codegen's
 * `typescript` output of Linear's schema, shipped in dist/*.d.mts) spell every object type as
 * `type Issue = Node & { __typename?: "Issue"; field?: Maybe<T>; other: Scalars["String"]; … }`.
 * Read once, they say for each field whether it exists, whether it may be null, whether it is a
 * list, and its type: a selected field the type does not have is refused ("Cannot query field"),
 * and a non-null field the double's records leave out is answered with a value of its type (a
 * nested object is answered field by field the same way), so every answer has the shape the
 * schema promises and the SDK's model constructors can read it.
 */
interface FieldType {
  nullable: boolean;
  list: boolean;
  /** a scalar name (String, DateTime…) or an object / enum type name */
  named: string;
  scalar: boolean;
}
interface ObjectType {
  fields: Map<string, FieldType>;
  /** the interfaces it is declared with (`Node & {…}`) */
  interfaces: string[];
}
function readSdkTypes(): { objects: Map<string, ObjectType>; enums: Map<string, string[]> } {
  const dist = path.dirname(createRequire(import.meta.url).resolve("@linear/sdk"));
  const file = readdirSync(dist).map((f) => path.join(dist, f)).find((f) => f.endsWith(".d.mts") && readFileSync(f, "utf8").includes("type Scalars = {"));
  if (!file) throw new Error("@linear/sdk ships no type declarations with its schema types: the Linear double cannot check answers");
  const text = readFileSync(file, "utf8");
  const objects = new Map<string, ObjectType>();
  const block = /^type (\w+) = ((?:\w+ & )*)\{\n {2}__typename\?: "(\w+)";\n([\s\S]*?)\n\};$/gm;
  for (let m = block.exec(text); m; m = block.exec(text)) {
    if (m[1] !== m[3]) continue;
    const fields = new Map<string, FieldType>();
    for (const line of m[4]!.split("\n")) {
      const f = /^ {2}(\w+)(\??): (.+);$/.exec(line);
      if (!f) continue;
      let t = f[3]!;
      let nullable = false;
      let list = false;
      const unwrap = (w: string) => {
        if (t.startsWith(`${w}<`) && t.endsWith(">")) {
          t = t.slice(w.length + 1, -1);
          return true;
        }
        return false;
      };
      if (unwrap("Maybe")) nullable = true;
      if (unwrap("Array")) {
        list = true;
        unwrap("Maybe");
      }
      const scalar = /^Scalars\["(\w+)"\]$/.exec(t);
      fields.set(f[1]!, { nullable, list, named: scalar ? scalar[1]! : t, scalar: Boolean(scalar) });
    }
    objects.set(m[1]!, { fields, interfaces: (m[2] ?? "").split("&").map((x) => x.trim()).filter(Boolean) });
  }
  const enums = new Map<string, string[]>();
  const en = /^declare enum (\w+) \{\n([\s\S]*?)\n\}$/gm;
  for (let m = en.exec(text); m; m = en.exec(text)) enums.set(m[1]!, [...m[2]!.matchAll(/= "([^"]+)"/g)].map((x) => x[1]!));
  if (!objects.get("Issue")?.fields.has("identifier")) throw new Error("could not read Linear's Issue type from @linear/sdk's declarations");
  return { objects, enums };
}
const SDK_TYPES = readSdkTypes();

const SCALAR_DEFAULT: Record<string, Json> = {
  String: "",
  ID: "",
  Int: 0,
  Float: 0,
  Boolean: false,
  DateTime: "1970-01-01T00:00:00.000Z",
  TimelessDate: "1970-01-01",
  DateTimeOrDuration: "1970-01-01T00:00:00.000Z",
  TimelessDateOrDuration: "1970-01-01",
  JSON: {},
  JSONObject: {},
  Duration: "P0D",
};

const BUILT_IN: Record<string, (v: unknown) => boolean> = {
  String: (v) => typeof v === "string",
  ID: (v) => typeof v === "string",
  Int: (v) => Number.isInteger(v),
  Float: (v) => typeof v === "number" && Number.isFinite(v),
  Boolean: (v) => typeof v === "boolean",
  DateTime: (v) => typeof v === "string" && !Number.isNaN(Date.parse(v)),
  DateTimeOrDuration: (v) => typeof v === "string",
  TimelessDate: (v) => typeof v === "string",
  TimelessDateOrDuration: (v) => typeof v === "string",
  JSON: () => true,
  JSONObject: (v) => typeof v === "object" && v !== null && !Array.isArray(v),
  UUID: (v) => typeof v === "string",
};
/** Enums the SDK's documents declare as variables (checked as strings). */
const isEnumName = (name: string) => /^(PaginationOrderBy|PaginationNulls|PaginationSortOrder)$/.test(name);

function checkVariable(path: string, type: TypeNode, value: unknown): void {
  if (type.kind === Kind.NON_NULL_TYPE) {
    if (value === undefined || value === null) throw new DoubleError("graphql error", `Variable "${path}" of required type is missing`, 400);
    return checkVariable(path, type.type, value);
  }
  if (value === undefined || value === null) return;
  if (type.kind === Kind.LIST_TYPE) {
    if (!Array.isArray(value)) throw new DoubleError("graphql error", `Variable "${path}": expected a list`, 400);
    value.forEach((v, i) => checkVariable(`${path}[${i}]`, type.type, v));
    return;
  }
  const name = type.name.value;
  const builtIn = BUILT_IN[name];
  if (builtIn) {
    if (!builtIn(value)) throw new DoubleError("graphql error", `Variable "${path}": expected ${name}, got ${JSON.stringify(value).slice(0, 60)}`, 400);
  } else if (isEnumName(name)) {
    if (typeof value !== "string") throw new DoubleError("graphql error", `Variable "${path}": expected the enum ${name}`, 400);
  } else if (/(Input|Filter|Comparator)$/.test(name)) {
    if (typeof value !== "object" || Array.isArray(value)) throw new DoubleError("graphql error", `Variable "${path}": expected the input object ${name}`, 400);
  } else {
    throw new DoubleError("graphql error", `Variable "${path}": the double does not know the type ${name}`, 400);
  }
}

function valueOf(node: ValueNode, vars: Record<string, unknown>): unknown {
  switch (node.kind) {
    case Kind.VARIABLE:
      return vars[node.name.value];
    case Kind.INT:
      return Number(node.value);
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.STRING:
    case Kind.ENUM:
      return node.value;
    case Kind.BOOLEAN:
      return node.value;
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map((v) => valueOf(v, vars));
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((f) => [f.name.value, valueOf(f.value, vars)]));
  }
}

// ── filters ─────────────────────────────────────────────────────────────────────────────────────
const COMPARATORS = new Set(["eq", "neq", "in", "nin", "gt", "gte", "lt", "lte", "startsWith", "contains", "eqIgnoreCase", "containsIgnoreCase", "null"]);

function compare(op: string, actual: unknown, want: unknown, path: string): boolean {
  const a = actual as string | number | null | undefined;
  switch (op) {
    case "eq":
      return a === want;
    case "neq":
      return a !== want;
    case "in":
      return Array.isArray(want) && want.includes(a);
    case "nin":
      return Array.isArray(want) && !want.includes(a);
    case "gt":
      return a != null && a > (want as string);
    case "gte":
      return a != null && a >= (want as string);
    case "lt":
      return a != null && a < (want as string);
    case "lte":
      return a != null && a <= (want as string);
    case "startsWith":
      return typeof a === "string" && a.startsWith(String(want));
    case "contains":
      return typeof a === "string" && a.includes(String(want));
    case "eqIgnoreCase":
      return typeof a === "string" && a.toLowerCase() === String(want).toLowerCase();
    case "containsIgnoreCase":
      return typeof a === "string" && a.toLowerCase().includes(String(want).toLowerCase());
    case "null":
      return (a == null) === want;
  }
  throw new DoubleError("invalid input", `${path}: the double does not implement the comparator ${op}`, 400);
}

/** Evaluates a Linear filter over an entity; a field the entity does not have is refused, not ignored. */
function matches(entity: unknown, filter: Record<string, unknown>, path: string): boolean {
  for (const [k, want] of Object.entries(filter)) {
    if (want === undefined) continue;
    const at = `${path}.${k}`;
    if (COMPARATORS.has(k)) {
      if (!compare(k, entity, want, at)) return false;
    } else if (k === "and") {
      if (!(want as Record<string, unknown>[]).every((f, i) => matches(entity, f, `${at}[${i}]`))) return false;
    } else if (k === "or") {
      if (!(want as Record<string, unknown>[]).some((f, i) => matches(entity, f, `${at}[${i}]`))) return false;
    } else if (k === "some" || k === "every") {
      const list = entity as unknown[];
      const ok = k === "some" ? list.some((e) => matches(e, want as Record<string, unknown>, at)) : list.every((e) => matches(e, want as Record<string, unknown>, at));
      if (!ok) return false;
    } else {
      const e = entity as Record<string, unknown> | null;
      if (!e || !(k in e)) throw new DoubleError("invalid input", `${at}: the double does not implement this filter field`, 400);
      let v = e[k];
      // a connection field (labels): filter over its nodes
      if (typeof v === "function") v = (v as (a: object) => { nodes: unknown[] })({}).nodes;
      if (!matches(v, want as Record<string, unknown>, at)) return false;
    }
  }
  return true;
}

function strictInput(input: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const k of Object.keys(input)) if (!allowed.includes(k)) throw new DoubleError("invalid input", `${path}.${k}: the double does not implement this input field`, 400);
}

// ── the server ──────────────────────────────────────────────────────────────────────────────────
export async function startLinearDouble(opts: { apiKey?: string } = {}): Promise<LinearDouble> {
  const apiKey = opts.apiKey ?? `lin_api_${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  const teams: DoubleTeam[] = [];
  const states: DoubleState[] = [];
  const labels: DoubleLabel[] = [];
  const issues: DoubleIssue[] = [];
  const comments: DoubleComment[] = [];
  const operations: LinearDouble["operations"] = [];
  let seq = 0;
  let syncId = 1000;
  let failures: { left: number; status: number } = { left: 0, status: 503 };
  let baseUrl = "";
  const uuid = (kind: string) => `00000000-0000-4000-8000-${kind.padEnd(4, "0").slice(0, 4)}${String(++seq).padStart(8, "0")}`;
  const stamp = () => new Date(Date.UTC(2026, 11, 1, 0, 0, 0) + seq * 1000).toISOString();
  const notFound = (what: string) => new DoubleError("invalid input", `Entity not found: ${what}`);

  const teamEntity = (t: DoubleTeam): Entity => ({ __typename: "Team", id: t.id, key: t.key, name: t.name, createdAt: stamp(), updatedAt: stamp() });
  const stateEntity = (s: DoubleState): Entity => ({
    __typename: "WorkflowState",
    id: s.id,
    name: s.name,
    type: s.type,
    position: s.position,
    color: "#000000",
    description: null,
    archivedAt: null,
    inheritedFrom: null,
    createdAt: stamp(),
    updatedAt: stamp(),
    team: teamEntity(teams.find((t) => t.id === s.teamId)!),
  });
  const labelEntity = (l: DoubleLabel): Entity => ({
    __typename: "IssueLabel",
    id: l.id,
    name: l.name,
    color: "#5e6ad2",
    description: null,
    isGroup: false,
    archivedAt: null,
    createdAt: stamp(),
    updatedAt: stamp(),
    team: l.teamId ? teamEntity(teams.find((t) => t.id === l.teamId)!) : null,
  });
  const connection = (typename: string, all: Entity[], args: Record<string, unknown>): Entity => {
    const after = typeof args.after === "string" ? Number(args.after) : 0;
    const first = typeof args.first === "number" ? args.first : 50;
    const nodes = all.slice(after, after + first);
    return {
      __typename: typename,
      nodes,
      pageInfo: {
        __typename: "PageInfo",
        startCursor: nodes.length ? String(after) : null,
        endCursor: nodes.length ? String(after + nodes.length) : null,
        hasPreviousPage: after > 0,
        hasNextPage: after + nodes.length < all.length,
      },
    };
  };
  const filtered = (all: Entity[], filter: unknown, path: string) => (filter ? all.filter((e) => matches(e, filter as Record<string, unknown>, path)) : all);
  const issueEntity = (i: DoubleIssue): Entity => {
    const team = teams.find((t) => t.id === i.teamId)!;
    return {
      __typename: "Issue",
      id: i.id,
      identifier: i.identifier,
      number: i.number,
      title: i.title,
      description: i.description,
      url: `https://linear.app/double/issue/${i.identifier}`,
      priority: 0,
      priorityLabel: "No priority",
      labelIds: [...i.labelIds],
      createdAt: i.createdAt,
      updatedAt: i.updatedAt,
      archivedAt: null,
      trashed: null,
      team: teamEntity(team),
      state: stateEntity(states.find((s) => s.id === i.stateId)!),
      creator: i.creatorId ? { __typename: "User", id: i.creatorId } : null,
      labels: (args: Record<string, unknown>) => connection("IssueLabelConnection", filtered(i.labelIds.map((id) => labelEntity(labels.find((l) => l.id === id)!)), args.filter, "filter"), args),
    };
  };
  const commentEntity = (c: DoubleComment): Entity => ({
    __typename: "Comment",
    id: c.id,
    body: c.body,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    editedAt: c.editedAt,
    archivedAt: null,
    url: `https://linear.app/double/comment/${c.id}`,
    issue: issueEntity(issues.find((i) => i.id === c.issueId)!),
  });
  const findIssue = (id: unknown) => {
    const i = issues.find((x) => x.id === id || x.identifier === id);
    if (!i) throw notFound("Issue");
    return i;
  };
  const touch = (i: DoubleIssue) => {
    seq++;
    i.updatedAt = stamp();
  };

  const roots: Record<string, (args: Record<string, unknown>) => unknown> = {
    issue: (a) => issueEntity(findIssue(a.id)),
    issues: (a) => connection("IssueConnection", filtered(issues.map(issueEntity), a.filter, "filter"), a),
    team: (a) => {
      const t = teams.find((x) => x.id === a.id || x.key === a.id);
      if (!t) throw notFound("Team");
      return teamEntity(t);
    },
    workflowState: (a) => {
      const s = states.find((x) => x.id === a.id);
      if (!s) throw notFound("WorkflowState");
      return stateEntity(s);
    },
    workflowStates: (a) => connection("WorkflowStateConnection", filtered(states.map(stateEntity), a.filter, "filter"), a),
    issueLabels: (a) => connection("IssueLabelConnection", filtered(labels.map(labelEntity), a.filter, "filter"), a),
    comments: (a) => connection("CommentConnection", filtered(comments.map(commentEntity), a.filter, "filter"), a),
    commentCreate: (a) => {
      const input = a.input as Record<string, unknown>;
      strictInput(input, ["issueId", "body"], "input");
      const issue = findIssue(input.issueId);
      if (typeof input.body !== "string" || !input.body.trim()) throw new DoubleError("invalid input", "body: a comment needs a body");
      seq++;
      const c: DoubleComment = { id: uuid("comm"), issueId: issue.id, body: input.body, createdAt: stamp(), updatedAt: stamp(), editedAt: null };
      comments.push(c);
      return { __typename: "CommentPayload", success: true, lastSyncId: ++syncId, comment: commentEntity(c) };
    },
    commentUpdate: (a) => {
      const input = a.input as Record<string, unknown>;
      strictInput(input, ["body"], "input");
      const c = comments.find((x) => x.id === a.id);
      if (!c) throw notFound("Comment");
      seq++;
      c.body = String(input.body);
      c.updatedAt = c.editedAt = stamp();
      return { __typename: "CommentPayload", success: true, lastSyncId: ++syncId, comment: commentEntity(c) };
    },
    issueUpdate: (a) => {
      const input = a.input as Record<string, unknown>;
      strictInput(input, ["stateId", "addedLabelIds", "removedLabelIds", "labelIds", "title", "description"], "input");
      const i = findIssue(a.id);
      if (input.stateId !== undefined) {
        const s = states.find((x) => x.id === input.stateId && x.teamId === i.teamId);
        if (!s) throw new DoubleError("invalid input", "stateId: not a workflow state of the issue's team");
        i.stateId = s.id;
      }
      const known = (ids: unknown) => {
        for (const id of (ids as string[]) ?? []) {
          const l = labels.find((x) => x.id === id);
          if (!l || (l.teamId && l.teamId !== i.teamId)) throw new DoubleError("invalid input", `labelIds: ${id} is not a label of the issue's team`);
        }
        return (ids as string[]) ?? [];
      };
      if (input.labelIds !== undefined) i.labelIds = [...new Set(known(input.labelIds))];
      const removed = known(input.removedLabelIds);
      i.labelIds = [...new Set([...i.labelIds, ...known(input.addedLabelIds)])].filter((id) => !removed.includes(id));
      if (typeof input.title === "string") i.title = input.title;
      if (input.description !== undefined) i.description = input.description as string | null;
      touch(i);
      return { __typename: "IssuePayload", success: true, lastSyncId: ++syncId, issue: issueEntity(i) };
    },
    issueLabelCreate: (a) => {
      const input = a.input as Record<string, unknown>;
      strictInput(input, ["name", "teamId", "color"], "input");
      const teamId = (input.teamId as string | undefined) ?? null;
      if (teamId && !teams.some((t) => t.id === teamId)) throw notFound("Team");
      if (labels.some((l) => l.name.toLowerCase() === String(input.name).toLowerCase() && (l.teamId === teamId || !l.teamId))) throw new DoubleError("invalid input", "name: a label with this name already exists");
      const l: DoubleLabel = { id: uuid("labl"), name: String(input.name), teamId };
      labels.push(l);
      return { __typename: "IssueLabelPayload", success: true, lastSyncId: ++syncId, issueLabel: labelEntity(l) };
    },
  };

  function answer(body: unknown): Json {
    const { query, variables = {} } = (body ?? {}) as { query?: unknown; variables?: Record<string, unknown> };
    if (typeof query !== "string") throw new DoubleError("graphql error", "query: expected the operation text", 400);
    const documentName = DOCUMENTS.get(query);
    let doc: DocumentNode;
    try {
      doc = parse(query);
    } catch (e) {
      throw new DoubleError("graphql error", `query does not parse: ${(e as Error).message}`, 400);
    }
    const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const name = op?.name?.value ?? "(anonymous)";
    operations.push({ name, variables });
    if (!documentName || !op) throw new DoubleError("graphql error", `operation ${name} is not one of @linear/sdk's generated documents`, 400);
    const declared = new Map((op.variableDefinitions ?? []).map((v) => [v.variable.name.value, v.type]));
    for (const k of Object.keys(variables)) if (!declared.has(k)) throw new DoubleError("graphql error", `Variable "$${k}" is not defined by operation "${name}"`, 400);
    for (const [k, t] of declared) checkVariable(`$${k}`, t, variables[k]);
    const fragments = new Map(doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));

    const conforms = (typename: string, condition: string) => typename === condition || (SDK_TYPES.objects.get(typename)?.interfaces.includes(condition) ?? false);
    const project = (value: unknown, set: SelectionSetNode, typeName?: string): Json => {
      if (value === null || value === undefined) return null;
      if (Array.isArray(value)) return value.map((v) => project(v, set, typeName));
      const e = value as Entity;
      const typename = e.__typename ?? typeName;
      const type = SDK_TYPES.objects.get(typename);
      if (!type) throw new DoubleError("graphql error", `the double answered an object of unknown type ${typename}`, 500);
      const out: Record<string, Json> = {};
      const walk = (s: SelectionSetNode) => {
        for (const sel of s.selections) {
          if (sel.kind === Kind.FIELD) field(sel);
          else if (sel.kind === Kind.FRAGMENT_SPREAD) {
            const f = fragments.get(sel.name.value);
            if (!f) throw new DoubleError("graphql error", `Unknown fragment "${sel.name.value}"`, 400);
            if (conforms(typename, f.typeCondition.name.value)) walk(f.selectionSet);
          } else if (!sel.typeCondition || conforms(typename, sel.typeCondition.name.value)) walk(sel.selectionSet);
        }
      };
      const field = (f: FieldNode) => {
        const key = f.alias?.value ?? f.name.value;
        if (f.name.value === "__typename") {
          out[key] = typename;
          return;
        }
        const declared = type.fields.get(f.name.value);
        if (!declared) throw new DoubleError("graphql error", `Cannot query field "${f.name.value}" on type "${typename}"`, 400);
        let v = e[f.name.value];
        if (typeof v === "function") v = (v as (a: Record<string, unknown>) => unknown)(Object.fromEntries((f.arguments ?? []).map((a) => [a.name.value, valueOf(a.value, variables)])));
        if (v === undefined && !declared.nullable) {
          // a non-null field the records leave out: a value of its type
          if (declared.list) v = [];
          else if (declared.scalar) v = SCALAR_DEFAULT[declared.named] ?? "";
          else if (SDK_TYPES.enums.has(declared.named)) v = SDK_TYPES.enums.get(declared.named)![0] ?? "";
          else v = { __typename: declared.named };
        }
        if (f.selectionSet && declared.scalar) throw new DoubleError("graphql error", `Field "${f.name.value}" must not have a selection since type "${declared.named}" has no subfields`, 400);
        if (!f.selectionSet && !declared.scalar && !SDK_TYPES.enums.has(declared.named)) throw new DoubleError("graphql error", `Field "${f.name.value}" of type "${declared.named}" must have a selection of subfields`, 400);
        out[key] = f.selectionSet ? project(v, f.selectionSet, declared.named) : ((v ?? null) as Json);
      };
      walk(set);
      return out;
    };

    const data: Record<string, Json> = {};
    for (const sel of op.selectionSet.selections) {
      if (sel.kind !== Kind.FIELD) throw new DoubleError("graphql error", "fragments at the root are not answered", 400);
      const resolve = roots[sel.name.value];
      if (!resolve) throw new DoubleError("graphql error", `the double does not answer ${op.operation} ${sel.name.value} (${documentName})`, 400);
      const args = Object.fromEntries((sel.arguments ?? []).map((a) => [a.name.value, valueOf(a.value, variables)]));
      const rootType = SDK_TYPES.objects.get(op.operation === "mutation" ? "Mutation" : "Query");
      const declared = rootType?.fields.get(sel.name.value);
      if (!declared) throw new DoubleError("graphql error", `Cannot query field "${sel.name.value}" on type "${op.operation}"`, 400);
      const v = resolve(args);
      data[sel.alias?.value ?? sel.name.value] = sel.selectionSet ? project(v, sel.selectionSet, declared.named) : (v as Json);
    }
    return { data };
  }

  const send = (res: ServerResponse, status: number, body: Json) => {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
    res.end(JSON.stringify(body));
  };
  const errorBody = (e: DoubleError): Json => ({
    errors: [{ message: e.message, extensions: { type: e.type, userPresentableMessage: e.message, ...(e.type === "invalid input" ? { code: "INPUT_ERROR" } : {}) } }],
    data: null,
  });

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST" || (req.url ?? "").split("?")[0] !== "/graphql") return send(res, 404, { errors: [{ message: "not found" }] });
      if (failures.left > 0) {
        failures.left--;
        return send(res, failures.status, { errors: [{ message: "the double is down", extensions: { type: "internal error" } }] });
      }
      // Linear takes a personal API key as the bare Authorization header (an OAuth token as Bearer).
      if (req.headers.authorization !== apiKey && req.headers.authorization !== `Bearer ${apiKey}`) {
        return send(res, 400, errorBody(new DoubleError("authentication error", "Authentication required, not authenticated")));
      }
      if (!(req.headers["content-type"] ?? "").startsWith("application/json")) return send(res, 400, errorBody(new DoubleError("graphql error", "expected application/json", 400)));
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return send(res, 400, errorBody(new DoubleError("graphql error", "body: expected JSON", 400)));
      }
      try {
        send(res, 200, answer(body));
      } catch (e) {
        if (!(e instanceof DoubleError)) return send(res, 500, errorBody(new DoubleError("internal error", (e as Error).message)));
        send(res, e.status, errorBody(e));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  baseUrl = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}/graphql`;

  const teamByKey = (key: string) => {
    const t = teams.find((x) => x.key === key);
    if (!t) throw new Error(`no team ${key} in the double`);
    return t;
  };
  const double: LinearDouble = {
    url: baseUrl,
    apiKey,
    teams,
    states,
    labels,
    issues,
    comments,
    operations,
    addTeam(key) {
      const t: DoubleTeam = { id: uuid("team"), key, name: `Team ${key}` };
      teams.push(t);
      // Linear's default workflow, positions out of order on purpose: "first" means lowest position
      const defaults: [string, string, number][] = [
        ["Backlog", "backlog", 0],
        ["Todo", "unstarted", 1],
        ["In Review", "started", 3],
        ["In Progress", "started", 2],
        ["Done", "completed", 4],
        ["Canceled", "canceled", 5],
      ];
      for (const [name, type, position] of defaults) states.push({ id: uuid("stat"), name, type, position, teamId: t.id });
      return t;
    },
    addLabel(name, teamKey) {
      const l: DoubleLabel = { id: uuid("labl"), name, teamId: teamKey ? teamByKey(teamKey).id : null };
      labels.push(l);
      return l;
    },
    addIssue(teamKey, i) {
      const t = teamByKey(teamKey);
      const number = issues.filter((x) => x.teamId === t.id).length + 1;
      const state = states.find((s) => s.teamId === t.id && s.name === (i.state ?? "Todo"));
      if (!state) throw new Error(`no state ${i.state} in team ${teamKey}`);
      const labelIds = (i.labels ?? []).map((name) => (labels.find((l) => l.name === name && (l.teamId === t.id || !l.teamId)) ?? double.addLabel(name, teamKey)).id);
      seq++;
      const issue: DoubleIssue = {
        id: uuid("issu"),
        identifier: `${teamKey}-${number}`,
        number,
        teamId: t.id,
        title: i.title,
        description: i.description ?? null,
        stateId: state.id,
        labelIds,
        creatorId: "00000000-0000-4000-8000-user00000001",
        createdAt: stamp(),
        updatedAt: stamp(),
      };
      issues.push(issue);
      return issue;
    },
    issue(identifier) {
      const i = issues.find((x) => x.identifier === identifier);
      if (!i) throw new Error(`no issue ${identifier} in the double`);
      return i;
    },
    stateOf(identifier) {
      const i = double.issue(identifier);
      return states.find((s) => s.id === i.stateId)!;
    },
    labelNames(identifier) {
      return double.issue(identifier).labelIds.map((id) => labels.find((l) => l.id === id)!.name);
    },
    commentsOf(identifier) {
      const i = double.issue(identifier);
      return comments.filter((c) => c.issueId === i.id);
    },
    failNext(n, status = 503) {
      failures = { left: n, status };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return double;
}
