import { trackerImportOutcome, trackerImportRequest } from "@/lib/tracker-api";
import { parseTrackerItem } from "@/lib/tracker-item";
import { actorOf } from "@/server/auth/principal";
import { importTrackerItemById, trackerOutcomeView } from "@/server/coordinator/tracker-intake";
import { FleetError } from "@/server/errors";
import { reply, route } from "@/server/http/route";
import { json } from "@/server/http/spec";

export const dynamic = "force-dynamic";

/**
 * Import one tracker item as a job (`fleet from-tracker ITEM`, the submit form's *Import from
 * tracker*): the item is read from the tracker now and mapped like the webhook intake does.
 * Idempotent on item id + content hash: importing it again answers 200 `existing` and creates
 * nothing; a malformed manifest block answers 200 `invalid` naming the field (and the item gets one
 * comment saying so).
 */
export const POST = route({
  method: "POST",
  path: "/tracker/import",
  access: "operator",
  summary: "Import one tracker item (github:owner/repo#123, linear:ENG-42) as a job",
  body: trackerImportRequest,
  responses: {
    201: json(trackerImportOutcome, "A job was created for the item"),
    200: json(trackerImportOutcome, "Nothing new: the item's job exists, or the item could not become a job (errors name the field)"),
  },
  errors: ["validation", "not_found", "unavailable"],
  handler: async ({ services, body, principal }) => {
    const p = parseTrackerItem(body.item);
    if (!p.ok) throw new FleetError("validation", p.message, { errors: [{ path: "item", message: p.message }] });
    const out = trackerOutcomeView(await importTrackerItemById(services.ctx, p.id, actorOf(principal)));
    return out.outcome === "created" ? reply(201, out) : out;
  },
});
