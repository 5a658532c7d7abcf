import type { Metadata } from "next";
import { NewJobForm } from "@/components/new-job-form";
import { Forbidden } from "../_lib/forbidden";
import { requireRole } from "../_lib/session";

export const metadata: Metadata = { title: "File a task · Gigafactory" };

export default async function NewJobPage() {
  const viewer = await requireRole("operator", "/new");
  if (viewer.forbidden) return <Forbidden need="operator" have={viewer.role} />;
  return (
    <main className="page">
      <h1>File a task</h1>
      <NewJobForm />
    </main>
  );
}
