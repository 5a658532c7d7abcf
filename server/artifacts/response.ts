import "server-only";
import { isInlineImage } from "@/lib/artifacts";
import type { StoredArtifact } from "./port";

/**
 * The download answer of a stored artifact. An artifact comes from a job, and a job is hostile: only
 * an allow-listed type is ever sent (the stores hold to it), images are shown inline, everything
 * else is an attachment, and `nosniff` plus a sandboxing CSP keep a browser from treating any of it
 * as a page or a script.
 */
export function artifactResponse(found: StoredArtifact & { name: string }): Response {
  const type = found.meta.contentType;
  const file = found.name.split("/").pop() ?? "artifact";
  // The name is validated (lib/artifacts.ts: plain ASCII, no quotes), so it can stand in the header as is.
  const disposition = `${isInlineImage(type) ? "inline" : "attachment"}; filename="${file}"`;
  return new Response(found.body, {
    headers: {
      "content-type": type === "text/plain" ? "text/plain; charset=utf-8" : type,
      "content-length": String(found.meta.size),
      "content-disposition": disposition,
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'; sandbox",
      "cache-control": "private, no-cache",
      ...(found.meta.sha256 ? { etag: `"${found.meta.sha256}"` } : {}),
    },
  });
}
