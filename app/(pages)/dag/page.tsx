import type { Metadata } from "next";
import { DagView } from "@/components/dag-view";
import { currentViewer } from "../_lib/session";

export const metadata: Metadata = { title: "DAG · Gigafactory" };

export default async function DagPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await currentViewer("/dag");
  const product = (await searchParams).product;
  return (
    <main className="page">
      <h1>Dependencies</h1>
      <DagView initialProduct={typeof product === "string" ? product : undefined} />
    </main>
  );
}
