/**
 * The submit form's *Import from tracker* field: people paste what they have, an item id
 * (`github:owner/repo#123`, `linear:ENG-42`) or the item's page. A page URL is turned into the
 * canonical id here (POST /tracker/import takes ids only); anything else is sent as typed, so the
 * route's own refusal, naming the `item` field, is what the person reads. No pattern here runs
 * over more than a bounded, URL-parsed path (linear time whatever is pasted).
 */
const MAX_INPUT = 500;

/** A GitHub issue page (github.com or an Enterprise host) or a Linear issue page → its item id; otherwise the text, trimmed. */
export function trackerItemFromInput(input: string): string {
  const text = input.trim();
  if (text.length > MAX_INPUT || !/^https?:\/\//i.test(text)) return text;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text;
  }
  const parts = url.pathname.split("/").filter(Boolean);
  if (url.hostname === "linear.app" && parts.length >= 3 && parts[1] === "issue" && /^[A-Za-z][A-Za-z0-9]{0,9}-[1-9][0-9]{0,8}$/.test(parts[2]!)) {
    return `linear:${parts[2]!.toUpperCase()}`;
  }
  // owner/repo/issues/N (a pull request is not an issue the tracker imports)
  if (parts.length >= 4 && parts[2] === "issues" && /^[1-9][0-9]{0,9}$/.test(parts[3]!)) return `github:${parts[0]}/${parts[1]}#${parts[3]}`;
  return text;
}

export type TrackerImportAnswer = {
  outcome: "created" | "existing" | "invalid" | "ignored";
  jobId?: string;
  errors?: { path: string; message: string }[];
  reason?: string;
};

/** What the form says about an answer of POST /tracker/import. */
export function importAnswerText(a: TrackerImportAnswer): string {
  switch (a.outcome) {
    case "created":
      return "Imported: a job was created";
    case "existing":
      return "Already imported: this item's job exists (nothing new was created)";
    case "invalid":
      return "The item could not become a job (a comment on the item says why)";
    case "ignored":
      return `Not imported: ${a.reason ?? "the tracker item was ignored"}`;
  }
}
