import type { ReactNode } from "react";
import { NavBar } from "@/components/nav-bar";
import { StatusBanners } from "@/components/status-banners";
import { currentViewer } from "./_lib/session";

// Every page here reads the session and the store per request; never prerendered at build time.
export const dynamic = "force-dynamic";

/** Every signed-in page: navigation, then the kill-switch / alert banners, then the page. */
export default async function PagesLayout({ children }: { children: ReactNode }) {
  const viewer = await currentViewer("/");
  return (
    <>
      <NavBar user={viewer.name} role={viewer.role} />
      <StatusBanners />
      {children}
    </>
  );
}
