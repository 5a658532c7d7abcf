/** @type {import('next').NextConfig} */
const nextConfig = {
  // Tests and parallel builds may point at their own build folder.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  // Native and Node-only SDKs stay out of the server bundle; Node loads them at run time.
  serverExternalPackages: ["better-sqlite3", "@azure/cosmos", "pino", "prom-client", "nodemailer"],
  poweredByHeader: false,
  reactStrictMode: true,
  typedRoutes: false,
  // `npm run typecheck` checks the whole tree once; the build need not do it again (and would fail on
  // a helper build while others edit).
  typescript: { ignoreBuildErrors: true },
};

export default nextConfig;
