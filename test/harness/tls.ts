import { execFileSync } from "node:child_process";
import path from "node:path";

/** Writes a self-signed key + certificate for 127.0.0.1 and localhost into `dir` (openssl). */
export function selfSignedCertificate(dir: string): { keyFile: string; certFile: string } {
  const keyFile = path.join(dir, "key.pem");
  const certFile = path.join(dir, "cert.pem");
  // Sync on purpose: runs before a server listens, so nothing in this process waits on it.
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out", certFile, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
    { stdio: "ignore" },
  );
  return { keyFile, certFile };
}
