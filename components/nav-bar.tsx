"use client";
import { usePathname } from "next/navigation";
import type { Role } from "@/lib/ui/api-types";

const LINKS: { href: string; label: string; role?: Role }[] = [
  { href: "/", label: "Overview" },
  { href: "/fleet", label: "Fleet" },
  { href: "/jobs", label: "Jobs" },
  { href: "/dag", label: "DAG" },
  { href: "/costs", label: "Costs" },
  { href: "/new", label: "File a task", role: "operator" },
  { href: "/admin", label: "Admin", role: "admin" },
];
const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** Top navigation; links a role cannot use are not shown (the pages check again on the server). */
export function NavBar({ user, role }: { user: string; role: Role }) {
  const pathname = usePathname();
  const current = (href: string) => (href === "/" ? pathname === "/" : pathname.startsWith(href));
  return (
    <nav className="nav" aria-label="main">
      <a href="/" className="brand">
        Gigafactory
      </a>
      {LINKS.filter((l) => !l.role || RANK[role] >= RANK[l.role]).map((l) => (
        <a key={l.href} href={l.href} aria-current={current(l.href) ? "page" : undefined}>
          {l.label}
        </a>
      ))}
      <span className="spacer" />
      <span className="muted" data-testid="signed-in-as">
        {user} · {role}
      </span>
      <a href="/api/auth/signout">Sign out</a>
    </nav>
  );
}
