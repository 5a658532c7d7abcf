import type { Metadata } from "next";
import { Suspense } from "react";
import { JobsTable } from "@/components/jobs-table";
import { roleAtLeast } from "@/lib/api/roles";
import { SORTABLE } from "@/lib/ui/jobs-query";
import { currentViewer } from "../_lib/session";

export const metadata: Metadata = { title: "Jobs · Gigafactory" };

export default async function JobsPage() {
  const viewer = await currentViewer("/jobs");
  const canOperate = roleAtLeast(viewer.role, "operator");
  return (
    <main className="page">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h1>Jobs</h1>
        {canOperate && (
          <a className="button" href="/new">
            File a task
          </a>
        )}
      </div>
      <Suspense fallback={<p className="muted">loading…</p>}>
        <JobsTable canOperate={canOperate} sortable={SORTABLE} />
      </Suspense>
    </main>
  );
}
