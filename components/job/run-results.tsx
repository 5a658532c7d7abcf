/**
 * What the last attempt produced: verify output, the scope report (files outside the allowed scope
 * highlighted), the diff (the `diff` artifact), other artifacts and commits.
 */
import { ansiToHtml } from "@/lib/ui/ansi";
import { classifyDiff } from "@/lib/ui/diff-lines";
import type { ArtifactRef } from "@/lib/artifacts";
import { ArtifactList } from "./artifact-list";

export interface RunResult {
  attempt?: number;
  factory?: string;
  engine?: string;
  outcome?: string;
  exitCode?: number;
  verify?: { passed: boolean; exitCode: number; output: string };
  scope?: { changed: string[]; outOfScope: string[] };
  artifacts?: ArtifactRef[];
  commits?: string[];
  /** the engine and tool versions the factory advertised when it claimed this attempt */
  versions?: { engine?: string; tools: Record<string, string> };
}

export function VerifyPanel({ verify }: { verify?: RunResult["verify"] }) {
  return (
    <section className="panel" aria-labelledby="verify-heading">
      <h2 id="verify-heading">Verify</h2>
      {!verify ? (
        <p className="muted">not run yet</p>
      ) : (
        <>
          <p data-testid="verify-result" style={{ color: verify.passed ? "var(--good)" : "var(--bad)", fontWeight: 600 }}>
            {verify.passed ? "passed" : "failed"} (exit {verify.exitCode})
          </p>
          {verify.output && <pre className="log" style={{ height: "auto", maxHeight: 240 }} dangerouslySetInnerHTML={{ __html: ansiToHtml(verify.output) }} />}
        </>
      )}
    </section>
  );
}

export function ScopePanel({ scope }: { scope?: RunResult["scope"] }) {
  if (!scope) return null;
  const out = new Set(scope.outOfScope);
  return (
    <section className="panel" aria-labelledby="scope-heading">
      <h2 id="scope-heading">Scope</h2>
      {scope.outOfScope.length > 0 ? (
        <p role="alert" style={{ color: "var(--bad)" }}>
          {scope.outOfScope.length} file(s) outside the allowed scope: shipping is blocked unless an admin overrides.
        </p>
      ) : (
        <p className="muted">every changed file is in scope</p>
      )}
      <ul aria-label="changed files" className="mono">
        {scope.changed.map((f) => (
          <li key={f} data-out-of-scope={out.has(f) || undefined} style={out.has(f) ? { color: "var(--bad)", fontWeight: 700 } : undefined}>
            {f}
            {out.has(f) ? " — out of scope" : ""}
          </li>
        ))}
        {scope.outOfScope
          .filter((f) => !scope.changed.includes(f))
          .map((f) => (
            <li key={f} data-out-of-scope style={{ color: "var(--bad)", fontWeight: 700 }}>
              {f} — out of scope
            </li>
          ))}
      </ul>
    </section>
  );
}

export function DiffPanel({ diff, outOfScope = [] }: { diff?: string; outOfScope?: string[] }) {
  if (!diff) return null;
  const out = new Set(outOfScope);
  return (
    <section className="panel" aria-labelledby="diff-heading">
      <h2 id="diff-heading">Diff</h2>
      <pre className="diff log" style={{ height: "auto", maxHeight: 480 }}>
        {classifyDiff(diff).map((l, i) => (
          <div key={i} className={`${l.kind}${l.file && out.has(l.file) && l.kind === "file" ? " out-of-scope" : ""}`}>
            {l.text || " "}
          </div>
        ))}
      </pre>
    </section>
  );
}

/** `jobId` and `attempt`: where stored artifacts are fetched from (images inline, the rest as downloads). */
export function ArtifactsPanel({ artifacts, commits, jobId, attempt }: { artifacts?: RunResult["artifacts"]; commits?: string[]; jobId?: string; attempt?: number }) {
  if (!artifacts?.length && !commits?.length) return null;
  return (
    <section className="panel" aria-labelledby="artifacts-heading">
      <h2 id="artifacts-heading">Artifacts</h2>
      {commits && commits.length > 0 && (
        <p>
          Commits: <span className="mono">{commits.map((c) => c.slice(0, 10)).join(", ")}</span>
        </p>
      )}
      <ArtifactList artifacts={artifacts ?? []} {...(jobId ? { jobId } : {})} {...(attempt ? { attempt } : {})} />
    </section>
  );
}

/** Per attempt: where it ran, the engine's version and the tools the factory advertised at claim time. */
export function VersionsPanel({ runs, factoryNames }: { runs: (RunResult & { factoryId?: string })[]; factoryNames?: ReadonlyMap<string, string> }) {
  if (runs.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="versions-heading">
      <h2 id="versions-heading">Versions per attempt</h2>
      <table data-testid="run-versions">
        <thead>
          <tr>
            <th scope="col">attempt</th>
            <th scope="col">factory</th>
            <th scope="col">engine</th>
            <th scope="col">tools</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r, i) => {
            const tools = Object.entries(r.versions?.tools ?? {}).filter(([name]) => name !== r.engine);
            return (
              <tr key={`${r.attempt ?? i}`}>
                <td className="num">{r.attempt ?? i + 1}</td>
                <td>{r.factoryId ? (factoryNames?.get(r.factoryId) ?? r.factoryId) : "?"}</td>
                <td data-testid="run-engine-version">
                  {r.engine ?? "?"} {r.versions?.engine ?? <span className="muted">(version not advertised)</span>}
                </td>
                <td className="mono">{tools.length ? tools.map(([n, v]) => `${n} ${v}`).join(", ") : <span className="muted">none advertised</span>}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
