import type { Metadata } from "next";
import { NewJobForm } from "@/components/new-job-form";
import { TrackerImport } from "@/components/tracker-import";
import type { TrackerKind } from "@/lib/tracker-item";
import { services } from "@/server/wiring";
import { Forbidden } from "../_lib/forbidden";
import { requireRole } from "../_lib/session";

export const metadata: Metadata = { title: "File a task · Gigafactory" };

export default async function NewJobPage() {
  const viewer = await requireRole("operator", "/new");
  if (viewer.forbidden) return <Forbidden need="operator" have={viewer.role} />;
  // Which trackers are connected (kinds only: the credentials stay in the coordinator), so the
  // Import field can say what to set rather than fail on submit.
  const { ctx } = await services();
  const trackers: TrackerKind[] = [...new Set((ctx.tracker?.ports ?? []).map((p) => p.kind))];
  return (
    <main className="page">
      <h1>File a task</h1>
      <TrackerImport trackers={trackers} />
      <NewJobForm />
    </main>
  );
}
