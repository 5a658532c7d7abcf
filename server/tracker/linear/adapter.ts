import "server-only";
import { LinearClient, type Issue } from "@linear/sdk";
import { isIntakeLabel, type RepoMap } from "./config";
import { linearCall } from "./errors";
import { linearItemId, parseLinearItemId, TEAM_KEY, type LinearItemRef } from "./item-id";
import { TrackerError, type ListLabelledResult, type TrackerItem, type TrackerPort } from "../port";
import { parseLinearWebhook, verifyLinearSignature } from "./webhook";

/**
 * Linear behind the tracker port (issue 16 item 3), over @linear/sdk's own queries and mutations
 * (test/harness/linear-double.ts answers exactly those). It reads an issue with its labels and
 * state, lists a team's issues carrying the intake label, keeps one comment per job (created once,
 * then edited in place), moves the issue to its team's first `started` workflow state on build and
 * first `completed` one on ship, and adds or removes labels by name.
 *
 * A Linear issue names no repository: the team decides it (FLEET_LINEAR_REPOS, `repos` here); an
 * item of an unmapped team has no `repo` and the intake refuses it, saying what to set.
 *
 * Credentials: the API key lives in the coordinator's settings (LINEAR_API_KEY) and only in the
 * SDK client's Authorization header; errors are translated (errors.ts) so no request text or key
 * reaches a log, an event or an item.
 */
export interface LinearTrackerOptions {
  apiKey: string;
  /** Linear's GraphQL endpoint; tests point it at the double (the SDK allows http only on loopback) */
  apiUrl?: string;
  /** team key → repository (FLEET_LINEAR_REPOS) */
  repos: RepoMap;
  /** the intake label (FLEET_LINEAR_LABEL, default agent:run); `<label>:<profile>` counts too */
  label: string;
}

/** The item as the port has it, plus what Linear's write-backs need. */
export interface LinearItem extends TrackerItem {
  identifier: string;
  /** Linear's UUID of the issue (what mutations take) */
  uuid: string;
  teamKey: string;
  /** the workflow state (Linear's `type`: triage, backlog, unstarted, started, completed, canceled) */
  workflowState?: { id: string; name: string; type: string };
}

export type LinearTrackerPort = Omit<TrackerPort, "fetchItem"> & {
  readonly kind: "linear";
  readonly label: string;
  fetchItem(itemId: string): Promise<LinearItem | undefined>;
};

/** The most pages of issues one listLabelled reads (50 each): a fallback poll, not a bulk export. */
const MAX_PAGES = 10;
const PAGE = 50;

/** Where write-back moves an item, as Linear's workflow state categories. */
const STATE_TYPE = { started: "started", done: "completed" } as const;

export function linearTracker(opts: LinearTrackerOptions): LinearTrackerPort {
  if (!opts.apiKey.trim()) throw new TrackerError("auth", "LINEAR_API_KEY is empty");
  const client = new LinearClient({ apiKey: opts.apiKey, ...(opts.apiUrl ? { apiUrl: opts.apiUrl } : {}) });

  const issueOf = async (ref: LinearItemRef) => linearCall(`reading ${ref.identifier}`, () => client.issue(ref.identifier));

  async function itemOf(issue: Issue): Promise<LinearItem> {
    const ref = parseLinearItemId(linearItemId(issue.identifier));
    if (!ref) throw new TrackerError("invalid", `Linear answered an issue identifier that is not one: ${JSON.stringify(String(issue.identifier).slice(0, 40))}`);
    const [labels, state] = await Promise.all([
      linearCall(`reading ${issue.identifier}'s labels`, () => issue.labels({ first: 250 })),
      issue.stateId ? linearCall(`reading ${issue.identifier}'s state`, async () => issue.state) : Promise.resolve(undefined),
    ]);
    const repo = opts.repos.get(ref.team);
    const closed = state?.type === "completed" || state?.type === "canceled";
    return {
      id: linearItemId(issue.identifier),
      identifier: issue.identifier,
      uuid: issue.id,
      teamKey: ref.team,
      url: issue.url,
      title: issue.title,
      body: issue.description ?? "",
      labels: labels.nodes.map((l) => l.name),
      state: closed ? "closed" : "open",
      ...(state ? { workflowState: { id: state.id, name: state.name, type: state.type } } : {}),
      ...(issue.creatorId ? { author: issue.creatorId } : {}),
      updatedAt: issue.updatedAt.toISOString(),
      ...(repo ? { repo } : {}),
    };
  }

  /** The issue's team id, which mutations of states and labels are scoped by. */
  function teamOf(issue: Issue, ref: LinearItemRef): string {
    const teamId = issue.teamId;
    if (!teamId) throw new TrackerError("invalid", `${ref.identifier}: Linear named no team for the issue`);
    return teamId;
  }

  async function editComment(id: string, body: string, ref: LinearItemRef): Promise<string | undefined> {
    try {
      const r = await linearCall(`editing the comment on ${ref.identifier}`, () => client.updateComment(id, { body }));
      return r.success ? (r.commentId ?? id) : undefined;
    } catch (err) {
      // Deleted by a person: post a new one rather than fail the write-back forever.
      if (err instanceof TrackerError && err.reason === "not_found") return undefined;
      throw err;
    }
  }

  return {
    kind: "linear",
    label: opts.label,
    serves: (itemId) => parseLinearItemId(itemId) !== undefined,

    /** The issue, its labels and state; undefined when Linear has no such issue (or the key cannot see it). */
    async fetchItem(itemId) {
      const ref = refOf(itemId);
      try {
        return await itemOf(await issueOf(ref));
      } catch (err) {
        if (err instanceof TrackerError && err.reason === "not_found") return undefined;
        throw err;
      }
    },

    /**
     * A team's issues (scope: its key) carrying the intake label (or `<label>:<profile>`) updated
     * after `since` (an ISO time; absent: all of them), oldest change first; the cursor is the
     * latest updatedAt seen, the next `since`. The poller's fallback where no webhook can be installed.
     */
    async listLabelled(scope, since): Promise<ListLabelledResult> {
      if (!TEAM_KEY.test(scope)) throw new TrackerError("invalid", `${JSON.stringify(scope.slice(0, 40))}: expected a Linear team key like ENG`);
      if (since !== undefined && Number.isNaN(Date.parse(since))) throw new TrackerError("invalid", `since: expected an ISO time, got ${JSON.stringify(since.slice(0, 40))}`);
      const filter = {
        team: { key: { eq: scope } },
        labels: { some: { name: { startsWith: opts.label } } },
        ...(since !== undefined ? { updatedAt: { gt: new Date(since).toISOString() } } : {}),
      };
      const page = await linearCall(`listing ${scope}'s labelled issues`, () => client.issues({ first: PAGE, filter }));
      const items: LinearItem[] = [];
      let cursor = since ?? new Date(0).toISOString();
      // fetchNext appends the next page to the same connection: read only the nodes not seen yet.
      for (let n = 1, seen = 0; ; n++) {
        for (const issue of page.nodes.slice(seen)) {
          const item = await itemOf(issue);
          // startsWith also matches `agent:runner`: keep only the label itself or `<label>:<profile>`
          if (!item.labels.some((l) => isIntakeLabel(l, opts.label))) continue;
          items.push(item);
          if (item.updatedAt > cursor) cursor = item.updatedAt;
        }
        seen = page.nodes.length;
        if (!page.pageInfo.hasNextPage || n >= MAX_PAGES) break;
        await linearCall(`listing ${scope}'s labelled issues`, () => page.fetchNext());
      }
      items.sort((a, b) => (a.updatedAt < b.updatedAt ? -1 : a.updatedAt > b.updatedAt ? 1 : 0));
      return { items, cursor };
    },

    /**
     * One comment per job: with `commentId` it is edited in place (and when a person deleted it,
     * a new one is created), else created. Returns the id to keep for next time.
     */
    async comment(itemId, body, commentId) {
      const ref = refOf(itemId);
      if (commentId) {
        const edited = await editComment(commentId, body, ref);
        if (edited) return { commentId: edited };
      }
      const issue = await issueOf(ref);
      const created = await linearCall(`commenting on ${ref.identifier}`, () => client.createComment({ issueId: issue.id, body }));
      const id = created.commentId;
      if (!created.success || !id) throw new TrackerError("unavailable", `commenting on ${ref.identifier}: Linear did not create the comment`);
      return { commentId: id };
    },

    /**
     * Moves the issue to its team's first workflow state (lowest position) of the category:
     * `started` when the job starts building, `completed` when it ships. Nothing is written when
     * the issue is already in a state of that category (a person may have picked a particular one).
     */
    async setState(itemId, state) {
      const ref = refOf(itemId);
      const type = STATE_TYPE[state];
      const issue = await issueOf(ref);
      const teamId = teamOf(issue, ref);
      const current = issue.stateId ? await linearCall(`reading ${ref.identifier}'s state`, async () => issue.state) : undefined;
      if (current?.type === type) return;
      const states = await linearCall(`reading team ${ref.team}'s workflow states`, () => client.workflowStates({ first: 100, filter: { team: { id: { eq: teamId } }, type: { eq: type } } }));
      const target = [...states.nodes].sort((a, b) => a.position - b.position)[0];
      if (!target) throw new TrackerError("invalid", `${ref.identifier}: team ${ref.team} has no "${type}" workflow state`);
      const r = await linearCall(`moving ${ref.identifier} to ${target.name}`, () => client.updateIssue(issue.id, { stateId: target.id }));
      if (!r.success) throw new TrackerError("unavailable", `moving ${ref.identifier} to ${target.name}: Linear did not update the issue`);
    },

    /**
     * Adds and removes labels by name (`agent:queued`, `agent:running`, `agent:failed`). A label
     * the team does not have yet is created on the team; one to remove that does not exist is
     * skipped. Names compare case-insensitively, as Linear's label picker does.
     */
    async setLabels(itemId, change) {
      const ref = refOf(itemId);
      const add = unique(change.add ?? []);
      const remove = unique(change.remove ?? []).filter((l) => !add.some((a) => same(a, l)));
      if (!add.length && !remove.length) return;
      const issue = await issueOf(ref);
      const teamId = teamOf(issue, ref);
      const known = await linearCall(`reading labels of team ${ref.team}`, () => client.issueLabels({ first: 250, filter: { or: [...add, ...remove].map((name) => ({ name: { eqIgnoreCase: name } })) } }));
      // A team's issue may carry the team's own labels and the workspace's (no team).
      const usable = known.nodes.filter((l) => !l.teamId || l.teamId === teamId);
      const idOf = (name: string) => usable.find((l) => same(l.name, name))?.id;
      const addIds: string[] = [];
      for (const name of add) {
        let id = idOf(name);
        if (!id) {
          const made = await linearCall(`creating label ${name} on team ${ref.team}`, () => client.createIssueLabel({ name, teamId }));
          id = made.issueLabelId;
          if (!made.success || !id) throw new TrackerError("unavailable", `creating label ${name}: Linear did not create it`);
        }
        addIds.push(id);
      }
      const removeIds = remove.map(idOf).filter((id): id is string => Boolean(id));
      if (!addIds.length && !removeIds.length) return;
      const r = await linearCall(`labelling ${ref.identifier}`, () => client.updateIssue(issue.id, { addedLabelIds: addIds, removedLabelIds: removeIds }));
      if (!r.success) throw new TrackerError("unavailable", `labelling ${ref.identifier}: Linear did not update the issue`);
    },

    async verifyWebhook(secret, rawBody, headers) {
      return verifyLinearSignature(secret, Buffer.from(rawBody, "utf8"), headers).ok;
    },

    parseWebhook(rawBody, headers) {
      return parseLinearWebhook(Buffer.from(rawBody, "utf8"), headers, { label: opts.label, repos: opts.repos });
    },
  };
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const unique = (names: readonly string[]) => [...new Set(names.map((l) => l.trim()).filter(Boolean))];

function refOf(itemId: string): LinearItemRef {
  const ref = parseLinearItemId(itemId);
  if (!ref) throw new TrackerError("invalid", `${JSON.stringify(itemId.slice(0, 60))} is not a Linear item id (expected linear:ENG-42)`);
  return ref;
}
