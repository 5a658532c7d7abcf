import type { ProtectedMatch } from "@/lib/api/protected-paths";

/**
 * The files of the latest attempt that protected-path globs caught (issue 18 §4), each with the
 * glob that caught it. While the job waits for review, review-policy auto will not ship it: a
 * person's Approve (or Ship) is what lands it.
 */
export function ProtectedPaths({ matches, waiting }: { matches: readonly ProtectedMatch[]; waiting: boolean }) {
  if (matches.length === 0) return null;
  return (
    <p data-testid="protected-paths" aria-label="protected paths" style={{ color: "var(--warn)", fontWeight: 600 }}>
      Protected paths:{" "}
      {matches.map((m, i) => (
        <span key={m.file}>
          {i > 0 && ", "}
          <span className="mono">{m.file}</span> (matched <span className="mono">{m.glob}</span>)
        </span>
      ))}
      {waiting && <> — needs a reviewer&apos;s approval</>}
    </p>
  );
}
