import type { Metadata } from "next";
import { AlertSinksPanel } from "@/components/alert-panels";
import { SchedulingPanel } from "@/components/scheduling-panel";
import { ProtectedPathsPanel } from "@/components/protected-paths-panel";
import { TrackersPanel } from "@/components/tracker-panels";
import { ApiTokensPanel, KillSwitchPanel, ProductPausePanel, UsersPanel } from "@/components/admin-panels";
import { EnrollmentTokensPanel, PendingFactoriesPanel } from "@/components/factory-admission-panels";
import { Forbidden } from "../_lib/forbidden";
import { requireRole } from "../_lib/session";

export const metadata: Metadata = { title: "Admin · Gigafactory" };

export default async function AdminPage() {
  const viewer = await requireRole("admin", "/admin");
  if (viewer.forbidden) return <Forbidden need="admin" have={viewer.role} />;
  return (
    <main className="page">
      <h1>Admin</h1>
      <div className="grid">
        <KillSwitchPanel />
        <ProductPausePanel />
      </div>
      <div className="two-col" style={{ marginTop: 12 }}>
        <UsersPanel />
        <ApiTokensPanel />
      </div>
      <div className="two-col" style={{ marginTop: 12 }}>
        <EnrollmentTokensPanel />
        <PendingFactoriesPanel />
      </div>
      <div style={{ marginTop: 12 }}>
        <AlertSinksPanel />
      </div>
      <div style={{ marginTop: 12 }}>
        <TrackersPanel />
      </div>
      <div style={{ marginTop: 12 }}>
        <SchedulingPanel />
      </div>
      <div style={{ marginTop: 12 }}>
        <ProtectedPathsPanel />
      </div>
    </main>
  );
}
