import type { Metadata } from "next";
import { JobLive } from "@/components/job/job-live";
import { roleAtLeast } from "@/lib/api/roles";
import { currentViewer } from "../../_lib/session";

export const metadata: Metadata = { title: "Job · Gigafactory" };

export default async function JobPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const viewer = await currentViewer(`/jobs/${encodeURIComponent(id)}`);
  return (
    <main className="page">
      <p>
        <a href="/jobs">← Jobs</a>
      </p>
      <JobLive jobId={id} canOperate={roleAtLeast(viewer.role, "operator")} isAdmin={viewer.role === "admin"} />
    </main>
  );
}
