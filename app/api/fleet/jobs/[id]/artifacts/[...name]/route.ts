import { ARTIFACT_CONTENT_TYPES, artifactDownloadQuery } from "@/lib/artifacts";
import { artifactParams } from "@/lib/api/artifacts";
import { artifactResponse } from "@/server/artifacts/response";
import { route } from "@/server/http/route";
import { bytes } from "@/server/http/spec";
export const dynamic = "force-dynamic";

/**
 * A job's stored artifact (uploaded by its agent before the worktree was deleted), streamed with its
 * own type: images inline, anything else as a download (server/artifacts/response.ts). A name with
 * folders may come as path segments or URL-encoded in one (`screenshots%2Fhome.png`): a catch-all.
 */
export const GET = route({
  method: "GET",
  path: "/jobs/{id}/artifacts/{name}",
  access: "viewer",
  summary: "Download a stored artifact of a job (the latest attempt's, or `attempt`'s)",
  params: artifactParams,
  query: artifactDownloadQuery,
  responses: { 200: bytes(ARTIFACT_CONTENT_TYPES, "The artifact's bytes, as stored (text redacted)") },
  errors: ["not_found"],
  handler: async ({ services, params, query }) => artifactResponse(await services.artifacts.open(params.id, params.name, query.attempt)),
});
