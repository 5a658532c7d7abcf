import { ARTIFACT_MAX_CHUNK_BYTES, artifactUploadQuery, artifactUploadResponse } from "@/lib/artifacts";
import { artifactParams } from "@/lib/api/artifacts";
import { route } from "@/server/http/route";
import { json } from "@/server/http/spec";
export const dynamic = "force-dynamic";

/**
 * One chunk of an artifact upload (lib/artifacts.ts has the protocol): fenced by the lease's epoch,
 * appended at `offset`, committed atomically by the chunk that completes the declared `size`.
 */
export const PUT = route({
  method: "PUT",
  path: "/leases/{id}/artifacts/{name}",
  access: "factory",
  maxBodyBytes: ARTIFACT_MAX_CHUNK_BYTES,
  rawBody: { mediaTypes: ["application/octet-stream"], description: "one chunk of the artifact's bytes, starting at `offset`" },
  summary: "Upload an artifact chunk (fenced, resumable; committed when the declared size is reached)",
  params: artifactParams,
  query: artifactUploadQuery,
  responses: { 200: json(artifactUploadResponse, "What the coordinator holds of this upload") },
  errors: ["not_found", "lease_lost", "conflict"],
  handler: ({ services, principal, params, query, raw }) => services.artifacts.upload(principal.factoryId, params.id, params.name, query, raw ?? new Uint8Array(0)),
});
