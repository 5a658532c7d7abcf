import type { Metadata } from "next";
import { FleetMap } from "@/components/fleet-map";
import { roleAtLeast } from "@/lib/api/roles";
import { currentViewer } from "../_lib/session";

export const metadata: Metadata = { title: "Fleet · Gigafactory" };

export default async function FleetPage() {
  const viewer = await currentViewer("/fleet");
  return (
    <main className="page">
      <h1>Fleet</h1>
      <FleetMap canOperate={roleAtLeast(viewer.role, "operator")} />
    </main>
  );
}
