import type { ReactNode } from "react";
import { NavBar } from "@/components/nav-bar";
import { StatusBanners } from "@/components/status-banners";
import { currentViewer } from "./_lib/session";

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
