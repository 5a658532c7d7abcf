/**
 * A run's artifacts on the job page. Stored ones (uploaded before the factory deleted the worktree)
 * come from the download route: images are shown inline, anything else is a download link; the route
 * sends only allow-listed types, with nosniff, so nothing an artifact holds is ever rendered as a
 * page. Ones that were not stored show their name, kind and size (and the factory path, if any).
 */
import { artifactDownloadPath, isInlineImage, type ArtifactRef } from "@/lib/artifacts";
import { formatBytes } from "@/lib/ui/format";

export function ArtifactList({ artifacts, jobId, attempt }: { artifacts: ArtifactRef[]; jobId?: string; attempt?: number }) {
  const href = (a: ArtifactRef) => (jobId && a.stored ? artifactDownloadPath(jobId, a.name, attempt) : undefined);
  const images = artifacts.filter((a) => href(a) && isInlineImage(a.contentType));
  const rest = artifacts.filter((a) => !images.includes(a));
  return (
    <>
      {images.length > 0 && (
        <div className="artifact-images" data-testid="artifact-images" style={{ display: "flex", flexWrap: "wrap", gap: 12 }}>
          {images.map((a) => (
            <figure key={a.name} style={{ margin: 0, maxWidth: 480 }}>
              <a href={href(a)} target="_blank" rel="noopener noreferrer">
                <img src={href(a)} alt={`artifact ${a.name}`} loading="lazy" style={{ maxWidth: "100%", height: "auto", border: "1px solid var(--border, #ddd)" }} />
              </a>
              <figcaption className="mono muted">
                {a.name} ({formatBytes(a.size)})
              </figcaption>
            </figure>
          ))}
        </div>
      )}
      {rest.length > 0 && (
        <ul>
          {rest.map((a) => {
            const link = href(a);
            return (
              <li key={a.name}>
                {link ? (
                  <a href={link} download={a.name.split("/").pop()} data-testid="artifact-download">
                    {a.name}
                  </a>
                ) : (
                  a.name
                )}{" "}
                <span className="muted">
                  ({a.kind}, {formatBytes(a.size)})
                </span>
                {!link && a.path && <span className="mono muted"> {a.path}</span>}
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}
