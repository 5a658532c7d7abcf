import "server-only";
import { shortHash, stableStringify } from "@/lib/hash";
import { parseManifestObject, readYaml } from "@/lib/manifest";
import type { FieldProblem } from "@/lib/types";
import { intakeLabel, TRACKER_LABELS, type TrackerItem } from "./port";

/**
 * A tracker item → the job it asks for (issue 16 item 4), pure:
 *   title → job title; body (without the manifest block) → prompt; the issue's repository → `repo`;
 *   `agent:run:<profile>` → profile (the tracker's configured intake label as the base: `label`), `priority:<p>` → priority, `cap:<capability>` → capabilities;
 *   an optional fenced ```yaml block in the body → manifest fields, validated like a job file's
 *   front matter (a problem names the field: `yaml.priorty: …`);
 *   `tracker-item` = the item id; `idempotency-key` = item id + content hash, so importing the
 *   same item twice creates nothing and an edited item is a different job.
 */
export type MappedItem = { ok: true; manifest: Record<string, unknown>; body: string; key: string; hash: string } | { ok: false; errors: FieldProblem[]; hash: string };

/** Only the first block counts; a body may hold other code blocks (yaml ones after it stay prompt). */
const FENCE_OPEN = /^ {0,3}```ya?ml[ \t]*$/;
const FENCE_CLOSE = /^ {0,3}```[ \t]*$/;
/** the most bytes of issue text a job takes (GitHub bodies are ≤ 65,536 characters) */
const MAX_TEXT = 65_536;

export function contentHashOfItem(item: Pick<TrackerItem, "title" | "body" | "labels">, label: string = TRACKER_LABELS.run): string {
  return shortHash(stableStringify({ title: item.title, body: item.body, labels: [...jobLabels(item.labels, label)].sort() }), 16);
}

export function itemKey(itemId: string, hash: string): string {
  return `${itemId}@${hash}`;
}

export function mapItem(item: TrackerItem, label: string = TRACKER_LABELS.run): MappedItem {
  const hash = contentHashOfItem(item, label);
  const { block, rest } = splitBlock(item.body.slice(0, MAX_TEXT));
  let fields: Record<string, unknown> = {};
  if (block !== undefined) {
    const y = readYaml(block.text, block.line);
    if (!y.ok) return { ok: false, hash, errors: y.problems.map((p) => ({ ...p, path: `yaml.${p.path}` })) };
    if (y.value !== null && y.value !== undefined) {
      if (typeof y.value !== "object" || Array.isArray(y.value)) return { ok: false, hash, errors: [{ path: "yaml", message: "the manifest block must be a mapping of fields (engine: …, verify: …)" }] };
      fields = y.value as Record<string, unknown>;
    }
    for (const owned of ["tracker-item", "idempotency-key"]) {
      if (owned in fields) return { ok: false, hash, errors: [{ path: `yaml.${owned}`, message: `\`${owned}\` is set by the tracker intake and may not be given in the block` }] };
    }
    // checked as the job will have it: with the item's repository (unless the block names its
    // own), so fields that need a repo (delivery: pr, base-branch, branch) are judged against it
    const checked = parseManifestObject(item.repo && !("repo" in fields) ? { repo: item.repo, ...fields } : fields, { root: "yaml", prefix: "yaml" });
    if (!checked.ok) return { ok: false, hash, errors: checked.errors };
  }
  const labels = fromLabels(item.labels, label);
  if (!labels.ok) return { ok: false, hash, errors: labels.errors };
  const key = itemKey(item.id, hash);
  const manifest: Record<string, unknown> = {
    ...(item.repo ? { repo: item.repo } : {}),
    ...fields,
    ...labels.fields,
    ...(labels.capabilities.length ? { capabilities: [...new Set([...(asList(fields.capabilities)), ...labels.capabilities])] } : {}),
    "tracker-item": item.id,
    "idempotency-key": key,
  };
  const title = item.title.replace(/\s+/g, " ").trim().slice(0, 200) || item.id;
  return { ok: true, manifest, body: `# ${title}\n\n${rest.trim()}\n`, key, hash };
}

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
}

/** The labels that shape the job (the write-back's own agent:queued… labels are not content). */
function jobLabels(labels: string[], base: string): string[] {
  return labels.filter((l) => intakeLabel(l, base) !== undefined || l.startsWith("priority:") || l.startsWith("cap:"));
}

function fromLabels(labels: string[], base: string): { ok: true; fields: Record<string, unknown>; capabilities: string[] } | { ok: false; errors: FieldProblem[] } {
  const fields: Record<string, unknown> = {};
  const capabilities: string[] = [];
  for (const l of labels.slice(0, 100)) {
    const intake = intakeLabel(l, base);
    if (intake?.profile) fields.profile = intake.profile;
    else if (l.startsWith("priority:")) fields.priority = l.slice("priority:".length);
    else if (l.startsWith("cap:")) capabilities.push(l.slice("cap:".length));
  }
  const checked = parseManifestObject({ ...fields, ...(capabilities.length ? { capabilities } : {}) }, { root: "labels", prefix: "labels" });
  if (!checked.ok) return { ok: false, errors: checked.errors };
  return { ok: true, fields, capabilities };
}

/** The first ```yaml block (its text and the line it starts on) and the body without it; one linear pass over lines. */
function splitBlock(body: string): { block?: { text: string; line: number }; rest: string } {
  const lines = body.replace(/\r\n?/g, "\n").split("\n");
  const open = lines.findIndex((l) => FENCE_OPEN.test(l));
  if (open < 0) return { rest: body };
  let close = -1;
  for (let i = open + 1; i < lines.length; i++) {
    if (FENCE_CLOSE.test(lines[i]!)) {
      close = i;
      break;
    }
  }
  if (close < 0) return { rest: body };
  return { block: { text: lines.slice(open + 1, close).join("\n"), line: open + 1 }, rest: [...lines.slice(0, open), ...lines.slice(close + 1)].join("\n") };
}
