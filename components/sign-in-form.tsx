"use client";
/** The local admin's username/password, plus a button per configured identity provider. */
import { signIn } from "next-auth/react";
import { useState } from "react";

export function SignInForm({ providers, callbackUrl, initialError }: { providers: { id: string; name: string }[]; callbackUrl: string; initialError?: string }) {
  // initialError: a sentence from app/signin (next-auth redirects failed sign-ins there with ?error=)
  const [username, setUsername] = useState("admin");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(initialError ?? null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const res = await signIn("credentials", { username, password, redirect: false, callbackUrl });
    if (res?.ok && !res.error) {
      window.location.assign(callbackUrl);
      return;
    }
    setBusy(false);
    setError("Wrong username or password.");
  };

  return (
    <div className="panel" style={{ maxWidth: 380, margin: "10vh auto" }}>
      <h1>Sign in to Gigafactory</h1>
      <form onSubmit={submit} aria-label="sign in">
        <label className="field">
          <span>Username</span>
          <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
        </label>
        <label className="field">
          <span>Password</span>
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        {error && (
          <p role="alert" className="field-error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy} style={{ width: "100%" }}>
          Sign in
        </button>
      </form>
      {providers.length > 0 && (
        <div style={{ marginTop: 16, display: "grid", gap: 8 }}>
          {providers.map((p) => (
            <button key={p.id} type="button" onClick={() => void signIn(p.id, { callbackUrl })}>
              Sign in with {p.name}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
