import type { Metadata } from "next";
import { CostCharts } from "@/components/cost-charts";
import { currentViewer } from "../_lib/session";

export const metadata: Metadata = { title: "Costs · Gigafactory" };

export default async function CostsPage() {
  await currentViewer("/costs");
  return (
    <main className="page">
      <h1>Costs</h1>
      <CostCharts />
    </main>
  );
}
