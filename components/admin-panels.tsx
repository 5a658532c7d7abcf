"use client";
/**
 * Admin controls: the kill switch and per-product pause (both confirmed), users' roles, and API
 * tokens (a new token is shown exactly once; revoke is confirmed). Paths are collected here so a
 * route rename touches one place.
 */
import { useCallback, useEffect, useState } from "react";
import type { KillSwitchState, Role } from "@/lib/ui/api-types";
import { errorText, getJson, sendJson } from "./api-client";

export const ADMIN_PATHS = {
  killSwitch: "/api/fleet/kill-switch",
  productPause: (product: string) => `/api/fleet/products/${encodeURIComponent(product)}/pause`,
  stats: "/api/fleet/stats",
  recentJobs: "/api/fleet/jobs?limit=100",
  users: "/api/fleet/users",
  user: (id: string) => `/api/fleet/users/${encodeURIComponent(id)}`,
  tokens: "/api/fleet/tokens",
  token: (id: string) => `/api/fleet/tokens/${encodeURIComponent(id)}`,
};

const ROLES: Role[] = ["viewer", "operator", "admin"];
const announce = () => window.dispatchEvent(new Event("fleet:settings-changed"));

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

export function KillSwitchPanel() {
  const [state, setState] = useState<KillSwitchState | null>(null);
  const [reason, setReason] = useState("");
  const { error, guard } = useError();
  const load = useCallback(() => guard(async () => setState(await getJson<KillSwitchState>(ADMIN_PATHS.killSwitch))), [guard]);
  useEffect(() => void load(), [load]);

  const flip = (on: boolean) =>
    guard(async () => {
      const question = on ? "Turn the kill switch ON? Every factory stops claiming new work at once." : "Lift the kill switch? Factories resume claiming.";
      if (!window.confirm(question)) return;
      setState(await sendJson<KillSwitchState>("POST", ADMIN_PATHS.killSwitch, { on, reason }));
      announce();
    });

  return (
    <section className="panel" aria-labelledby="kill-heading">
      <h2 id="kill-heading">Kill switch</h2>
      <p data-testid="kill-switch-state">
        {state === null ? "…" : state.on ? `ON${state.reason ? ` (${state.reason})` : ""}` : "off"}
      </p>
      <div className="row">
        <input aria-label="kill switch reason" placeholder="reason" value={reason} onChange={(e) => setReason(e.target.value)} />
        {state?.on ? (
          <button type="button" onClick={() => void flip(false)}>
            Lift kill switch
          </button>
        ) : (
          <button type="button" className="danger" onClick={() => void flip(true)}>
            Turn kill switch on
          </button>
        )}
      </div>
      {error && <p role="alert">{error}</p>}
    </section>
  );
}

/**
 * Products are not a stored list: the ones the fleet has seen are those of the latest jobs (one
 * page, newest first) plus any paused one; a product with no job yet can be paused by name.
 */
export function ProductPausePanel() {
  const [paused, setPaused] = useState<string[]>([]);
  const [known, setKnown] = useState<string[]>([]);
  const [product, setProduct] = useState("");
  const { error, guard } = useError();
  const load = useCallback(
    () =>
      guard(async () => {
        const [stats, jobs] = await Promise.all([
          getJson<{ pausedProducts?: string[] }>(ADMIN_PATHS.stats),
          getJson<{ items: { productId: string }[] }>(ADMIN_PATHS.recentJobs).catch(() => ({ items: [] })),
        ]);
        setPaused(stats.pausedProducts ?? []);
        setKnown([...new Set(jobs.items.map((j) => j.productId))]);
      }),
    [guard],
  );
  useEffect(() => void load(), [load]);
  const set = (name: string, pause: boolean) =>
    guard(async () => {
      if (!name || !window.confirm(`${pause ? "Pause" : "Resume"} product ${name}? ${pause ? "Its queued jobs are not claimed until resumed; running work finishes." : ""}`)) return;
      await sendJson("POST", ADMIN_PATHS.productPause(name), { paused: pause });
      setProduct("");
      announce();
      await load();
    });
  const products = [...new Set([...paused, ...known])].sort();
  return (
    <section className="panel" aria-labelledby="pause-heading">
      <h2 id="pause-heading">Products</h2>
      {products.length === 0 ? (
        <p className="muted">no product has jobs yet</p>
      ) : (
        <table className="data" aria-label="products">
          <thead>
            <tr>
              <th scope="col">product</th>
              <th scope="col">claims</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {products.map((p) => {
              const isPaused = paused.includes(p);
              return (
                <tr key={p} data-product={p} data-paused={isPaused}>
                  <td>{p}</td>
                  <td style={isPaused ? { color: "var(--bad)", fontWeight: 600 } : undefined}>{isPaused ? "paused" : "running"}</td>
                  <td>
                    <button type="button" className={isPaused ? "" : "danger"} onClick={() => void set(p, !isPaused)}>
                      {isPaused ? `Resume ${p}` : `Pause ${p}`}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <div className="row" style={{ marginTop: 8 }}>
        <input aria-label="product to pause" placeholder="another product" value={product} onChange={(e) => setProduct(e.target.value)} />
        <button type="button" onClick={() => void set(product.trim(), true)}>
          Pause product
        </button>
      </div>
      {error && <p role="alert">{error}</p>}
    </section>
  );
}

interface UserRow {
  id: string;
  name: string;
  role: Role;
}

export function UsersPanel() {
  const [users, setUsers] = useState<UserRow[] | null>(null);
  const { error, guard } = useError();
  const load = useCallback(() => guard(async () => setUsers((await getJson<{ items: UserRow[] }>(ADMIN_PATHS.users)).items)), [guard]);
  useEffect(() => void load(), [load]);
  const setRole = (u: UserRow, role: Role) =>
    guard(async () => {
      if (!window.confirm(`Make ${u.name} ${role}?`)) return;
      await sendJson("PUT", ADMIN_PATHS.user(u.id), { role });
      await load();
    });
  return (
    <section className="panel" aria-labelledby="users-heading">
      <h2 id="users-heading">Users and roles</h2>
      {users && (
        <table className="data">
          <thead>
            <tr>
              <th scope="col">user</th>
              <th scope="col">role</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id}>
                <td>
                  {u.name} <span className="muted">{u.id}</span>
                </td>
                <td>
                  <select aria-label={`role of ${u.id}`} value={u.role} onChange={(e) => void setRole(u, e.target.value as Role)}>
                    {ROLES.map((r) => (
                      <option key={r}>{r}</option>
                    ))}
                  </select>
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

interface TokenRow {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  revokedAt?: string;
}

export function ApiTokensPanel() {
  const [tokens, setTokens] = useState<TokenRow[] | null>(null);
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("operator");
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const { error, guard } = useError();
  const load = useCallback(() => guard(async () => setTokens((await getJson<{ items: TokenRow[] }>(ADMIN_PATHS.tokens)).items)), [guard]);
  useEffect(() => void load(), [load]);

  const create = (e: React.FormEvent) => {
    e.preventDefault();
    void guard(async () => {
      const t = await sendJson<TokenRow & { token: string }>("POST", ADMIN_PATHS.tokens, { name: name.trim(), role });
      setCreated({ name: t.name, token: t.token });
      setName("");
      await load();
    });
  };
  const revoke = (t: TokenRow) =>
    guard(async () => {
      if (!window.confirm(`Revoke token ${t.name}? Scripts using it stop working at once.`)) return;
      await sendJson("DELETE", ADMIN_PATHS.token(t.id));
      await load();
    });

  return (
    <section className="panel" aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">API tokens</h2>
      {created && (
        <div role="status" className="panel" style={{ borderColor: "var(--warn)" }}>
          <p>
            Token <strong>{created.name}</strong> — copy it now, it will not be shown again:
          </p>
          <pre className="mono" data-testid="new-token">
            {created.token}
          </pre>
          <button type="button" onClick={() => setCreated(null)}>
            I have copied it
          </button>
        </div>
      )}
      <form className="row" onSubmit={create} aria-label="create API token">
        <input aria-label="token name" placeholder="name, e.g. ci-pipeline" value={name} onChange={(e) => setName(e.target.value)} required />
        <select aria-label="token role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
        <button type="submit" disabled={!name.trim()}>
          Create token
        </button>
      </form>
      {tokens && (
        <table className="data" style={{ marginTop: 10 }}>
          <thead>
            <tr>
              <th scope="col">name</th>
              <th scope="col">role</th>
              <th scope="col">created</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id}>
                <td>{t.name}</td>
                <td>{t.role}</td>
                <td className="mono">{t.createdAt.slice(0, 16).replace("T", " ")}</td>
                <td>
                  {t.revokedAt ? (
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
