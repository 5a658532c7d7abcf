import type { Role } from "@/lib/api/roles";

export function Forbidden({ need, have }: { need: Role; have: Role }) {
  return (
    <main className="page">
      <h1>Not allowed</h1>
      <p role="alert">
        This page needs the {need} role; you are signed in as {have}. Ask an admin to change your role.
      </p>
    </main>
  );
}
