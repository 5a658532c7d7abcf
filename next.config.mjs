/** @type {import('next').NextConfig} */
const nextConfig = {
  // Tests and parallel builds may point at their own build folder.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  // Native and Node-only SDKs stay out of the server bundle; Node loads them at run time.
  serverExternalPackages: ["better-sqlite3", "@azure/cosmos", "@azure/storage-blob", "pino", "prom-client", "nodemailer"],
  poweredByHeader: false,
  reactStrictMode: true,
  typedRoutes: false,
  // `npm run typecheck` checks the whole tree once; the build need not do it again (and would fail on
  // a helper build while others edit).
  typescript: { ignoreBuildErrors: true },
  // Security headers on every response. The CSP only says what cannot break the app: no framing
  // (clickjacking), no plugins, no <base> hijack; scripts are not restricted because Next's pages
  // carry inline bootstrap scripts.
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "Content-Security-Policy", value: "frame-ancestors 'none'; object-src 'none'; base-uri 'self'" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
          { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=(), usb=()" },
          { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
        ],
      },
    ];
  },
};

export default nextConfig;
