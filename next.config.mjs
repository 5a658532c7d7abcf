/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native and Node-only SDKs stay out of the server bundle; Node loads them at run time.
  serverExternalPackages: ["better-sqlite3", "@azure/cosmos", "pino"],
  poweredByHeader: false,
  reactStrictMode: true,
  typedRoutes: false,
};

export default nextConfig;
