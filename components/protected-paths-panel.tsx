"use client";
/**
 * Admin: protected paths (issue 18 §4). Globs whose changes `review-policy: auto` never ships: such
 * a job stops in review naming the files, and a person's Approve lands it. One glob a line for the
 * fleet; one product a line (`web: web/config/**, deploy/**`) for globs that add to the fleet's for
 * that product's jobs. The server validates each glob and names the field of any it refuses.
 */
import { useEffect, useState } from "react";
import type { ProtectedPathsView } from "@/lib/api/protected-paths";
import { errorText, getJson, sendJson } from "./api-client";

export const PROTECTED_PATHS_PATH = "/api/fleet/protected-paths";

const lines = (text: string) => text.split("\n").map((l) => l.trim()).filter((l) => l !== "");

/** `web: a/**, b/**` lines → {web: [a/**, b/**]}; a product with no globs is dropped by the server (its list cleared). */
export function parseProductLines(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const line of lines(text)) {
    const at = line.indexOf(":");
    const product = (at < 0 ? line : line.slice(0, at)).trim();
    const globs = at < 0 ? [] : line.slice(at + 1).split(",").map((g) => g.trim()).filter((g) => g !== "");
    out[product] = [...(out[product] ?? []), ...globs];
  }
  return out;
}

const productText = (p: Record<string, string[]>) => Object.entries(p).map(([k, g]) => `${k}: ${g.join(", ")}`).join("\n");

export function ProtectedPathsPanel() {
  const [view, setView] = useState<ProtectedPathsView | null>(null);
  const [fleet, setFleet] = useState("");
  const [products, setProducts] = useState("");
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const show = (v: ProtectedPathsView) => {
    setView(v);
    setFleet(v.globs.join("\n"));
    setProducts(productText(v.products));
  };
  useEffect(() => {
    void getJson<ProtectedPathsView>(PROTECTED_PATHS_PATH).then(show, (e: unknown) => setError(errorText(e)));
  }, []);

  const save = async () => {
    setError(null);
    setNote(null);
    try {
      show(await sendJson<ProtectedPathsView>("PUT", PROTECTED_PATHS_PATH, { globs: lines(fleet), products: parseProductLines(products) }));
      setNote("saved: the next attempt to finish is checked against these");
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <section className="panel" aria-labelledby="protected-paths-heading">
      <h2 id="protected-paths-heading">Protected paths</h2>
      <p className="muted">Changes to these never auto-ship: the job stops in review until a person approves it.</p>
      <label className="field">
        <span>Fleet-wide globs, one a line (e.g. packages/shared/**, .github/**, package-lock.json)</span>
        <textarea aria-label="protected globs" rows={5} value={fleet} onChange={(e) => setFleet(e.target.value)} />
      </label>
      <label className="field">
        <span>Per product, one a line: product: glob, glob</span>
        <textarea aria-label="protected globs per product" rows={3} value={products} onChange={(e) => setProducts(e.target.value)} />
      </label>
      <button type="button" onClick={() => void save()}>
        Save protected paths
      </button>
      {view?.updatedAt && (
        <p className="muted">
          last saved {view.updatedAt} by {view.by}
        </p>
      )}
      {note && <p data-testid="protected-paths-note">{note}</p>}
      {error && <p role="alert">{error}</p>}
    </section>
  );
}
