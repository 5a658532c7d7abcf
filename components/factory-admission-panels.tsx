"use client";
/**
 * Who may join the fleet (Admin page): enrollment tokens with an optional lifetime and number of
 * registrations (a new token is shown exactly once; revoke is confirmed), and the factories held
 * for approval when FLEET_APPROVE_NEW_FACTORIES is on (approve lets one claim work; reject revokes it).
 */
import { useCallback, useEffect, useState } from "react";
import type { EnrollmentTokenView } from "@/lib/api/enrollment";
import type { FactoryView } from "@/lib/api/admin";
import { errorText, getJson, sendJson } from "./api-client";

export const ADMISSION_PATHS = {
  enrollmentTokens: "/api/fleet/enrollment-tokens",
  enrollmentToken: (id: string) => `/api/fleet/enrollment-tokens/${encodeURIComponent(id)}`,
  factories: "/api/fleet/factories",
  approve: (id: string) => `/api/fleet/factories/${encodeURIComponent(id)}/approve`,
  revoke: (id: string) => `/api/fleet/factories/${encodeURIComponent(id)}/revoke`,
};

function useError() {
  const [error, setError] = useState<string | null>(null);
  const guard = useCallback(async (f: () => Promise<unknown>) => {
    setError(null);
    try {
      await f();
    } catch (e) {
      setError(errorText(e));
    }
  }, []);
  return { error, guard };
}

const when = (iso: string) => iso.slice(0, 16).replace("T", " ");

export function EnrollmentTokensPanel() {
  const [tokens, setTokens] = useState<EnrollmentTokenView[] | null>(null);
  const [name, setName] = useState("");
  const [expiresIn, setExpiresIn] = useState("7d");
  const [maxUses, setMaxUses] = useState("");
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const { error, guard } = useError();
  const load = useCallback(
    () => guard(async () => setTokens((await getJson<{ items: EnrollmentTokenView[] }>(ADMISSION_PATHS.enrollmentTokens)).items)),
    [guard],
  );
  useEffect(() => void load(), [load]);

  const create = (e: React.FormEvent) => {
    e.preventDefault();
    void guard(async () => {
      const body = {
        name: name.trim(),
        ...(expiresIn.trim() ? { expiresIn: expiresIn.trim() } : {}),
        // the server names a bad number; send what was typed
        ...(maxUses.trim() ? { maxUses: Number(maxUses) } : {}),
      };
      const t = await sendJson<EnrollmentTokenView & { token: string }>("POST", ADMISSION_PATHS.enrollmentTokens, body);
      setCreated({ name: t.name, token: t.token });
      setName("");
      await load();
    });
  };
  const revoke = (t: EnrollmentTokenView) =>
    guard(async () => {
      if (!window.confirm(`Revoke enrollment token ${t.name}? No new factory can register with it; factories it registered keep working.`)) return;
      await sendJson("DELETE", ADMISSION_PATHS.enrollmentToken(t.id));
      await load();
    });

  return (
    <section className="panel" aria-labelledby="enrollment-heading">
      <h2 id="enrollment-heading">Enrollment tokens</h2>
      <p className="muted">Let machines register as factories (fleet-agent --token-file). The configured FLEET_ENROLLMENT_TOKEN works beside these.</p>
      {created && (
        <div role="status" className="panel" style={{ borderColor: "var(--warn)" }}>
          <p>
            Enrollment token <strong>{created.name}</strong> — copy it now, it will not be shown again:
          </p>
          <pre className="mono" data-testid="new-enrollment-token">
            {created.token}
          </pre>
          <button type="button" onClick={() => setCreated(null)}>
            I have copied it
          </button>
        </div>
      )}
      <form className="row" onSubmit={create} aria-label="create enrollment token">
        <input aria-label="enrollment token name" placeholder="name, e.g. lab rack" value={name} onChange={(e) => setName(e.target.value)} required />
        <input aria-label="expires in" placeholder="expires in (7d, 12h; empty: never)" value={expiresIn} onChange={(e) => setExpiresIn(e.target.value)} />
        <input aria-label="registrations allowed" placeholder="uses (empty: any)" inputMode="numeric" value={maxUses} onChange={(e) => setMaxUses(e.target.value)} />
        <button type="submit" disabled={!name.trim()}>
          Create enrollment token
        </button>
      </form>
      {tokens && tokens.length > 0 && (
        <table className="data" style={{ marginTop: 10 }} aria-label="enrollment tokens">
          <thead>
            <tr>
              <th scope="col">name</th>
              <th scope="col">state</th>
              <th scope="col">uses</th>
              <th scope="col">expires</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id} data-state={t.state}>
                <td>{t.name}</td>
                <td>{t.state.replace("_", " ")}</td>
                <td className="mono">
                  {t.uses}
                  {t.maxUses !== undefined ? ` / ${t.maxUses}` : ""}
                </td>
                <td className="mono">{t.expiresAt ? when(t.expiresAt) : "never"}</td>
                <td>
                  {t.state === "revoked" ? (
                    <span className="muted">revoked</span>
                  ) : (
                    <button type="button" className="danger" onClick={() => void revoke(t)}>
                      Revoke {t.name}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {error && <p role="alert">{error}</p>}
    </section>
  );
}

export function PendingFactoriesPanel() {
  const [pending, setPending] = useState<FactoryView[] | null>(null);
  const { error, guard } = useError();
  const load = useCallback(
    () => guard(async () => setPending((await getJson<{ items: FactoryView[] }>(ADMISSION_PATHS.factories)).items.filter((f) => f.status === "pending"))),
    [guard],
  );
  useEffect(() => void load(), [load]);
  const decide = (f: FactoryView, approve: boolean) =>
    guard(async () => {
      const question = approve
        ? `Approve factory ${f.name} (${f.os}/${f.arch}, ${f.capabilities.join(", ") || "no capabilities"})? It starts claiming work at once.`
        : `Reject factory ${f.name}? Its token is revoked for good.`;
      if (!window.confirm(question)) return;
      await sendJson("POST", approve ? ADMISSION_PATHS.approve(f.id) : ADMISSION_PATHS.revoke(f.id), {});
      await load();
    });

  return (
    <section className="panel" aria-labelledby="pending-heading">
      <h2 id="pending-heading">Factories awaiting approval</h2>
      {pending === null ? (
        <p className="muted">…</p>
      ) : pending.length === 0 ? (
        <p className="muted">none (new factories are held here when FLEET_APPROVE_NEW_FACTORIES=1)</p>
      ) : (
        <table className="data" aria-label="factories awaiting approval">
          <thead>
            <tr>
              <th scope="col">name</th>
              <th scope="col">id</th>
              <th scope="col">platform</th>
              <th scope="col">capabilities</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {pending.map((f) => (
              <tr key={f.id} data-factory={f.id}>
                <td>{f.name}</td>
                <td className="mono">{f.id}</td>
                <td>
                  {f.os}/{f.arch}
                </td>
                <td>{f.capabilities.join(", ")}</td>
                <td className="row">
                  <button type="button" onClick={() => void decide(f, true)}>
                    Approve {f.name}
                  </button>
                  <button type="button" className="danger" onClick={() => void decide(f, false)}>
                    Reject {f.name}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {error && <p role="alert">{error}</p>}
    </section>
  );
}
