import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createStreamRedactor, describeSecret, entropy, findSecrets, redact, secretMessage, STREAM_MAX_HELD } from "./secrets";

// Fake secrets are assembled at run time (deterministic pseudo-random characters) so that no
// token-shaped string sits in the repository for scanners to trip over.
function rand(seed: number, n: number, alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"): string {
  let x = seed >>> 0 || 1;
  let out = "";
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out += alphabet[(x >>> 0) % alphabet.length];
  }
  return out;
}
const UPPER_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const b64url = (s: string) => btoa(s).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");

const FAKE = {
  aws: "AKIA" + rand(1, 16, UPPER_DIGITS),
  awsSecret: `aws_secret_access_key = ${rand(2, 40, B64)}`,
  ghp: "ghp_" + rand(3, 36),
  ghs: "ghs_" + rand(4, 36),
  gho: "gho_" + rand(5, 36),
  pat: "github_pat_" + rand(6, 22) + "_" + rand(7, 59),
  anthropic: "sk-ant-api03-" + rand(8, 80) + "-" + rand(9, 12) + "AA",
  openaiProj: "sk-proj-" + rand(10, 100),
  openai: "sk-" + rand(11, 48),
  slack: "xoxb-" + rand(12, 12, "0123456789") + "-" + rand(13, 13, "0123456789") + "-" + rand(14, 24),
  google: "AIza" + rand(15, 35),
  azure: rand(16, 86, B64) + "==",
  jwt: `eyJ${b64url('{"alg":"HS256","typ":"JWT"}').slice(3)}.${b64url('{"sub":"1234567890","name":"Ada","iat":1516239022}')}.${rand(17, 43)}`,
  pem: `-----BEGIN RSA PRIVATE KEY-----\n${rand(18, 64, B64)}\n${rand(19, 64, B64)}\n${rand(20, 20, B64)}==\n-----END RSA PRIVATE KEY-----`,
  stripe: "sk_live_" + rand(21, 24),
  npm: "npm_" + rand(22, 36),
  gitlab: "glpat-" + rand(23, 20),
};

describe("findSecrets: each kind", () => {
  it.each([
    ["aws-access-key", FAKE.aws],
    ["github-token", FAKE.ghp],
    ["github-token", FAKE.ghs],
    ["github-token", FAKE.gho],
    ["github-token", FAKE.pat],
    ["anthropic-key", FAKE.anthropic],
    ["openai-key", FAKE.openaiProj],
    ["openai-key", FAKE.openai],
    ["slack-token", FAKE.slack],
    ["google-api-key", FAKE.google],
    ["azure-key", FAKE.azure],
    ["jwt", FAKE.jwt],
    ["private-key", FAKE.pem],
    ["stripe-key", FAKE.stripe],
    ["npm-token", FAKE.npm],
    ["gitlab-token", FAKE.gitlab],
  ])("%s", (kind, secret) => {
    const text = `before ${secret} after`;
    const hits = findSecrets(text);
    expect(hits).toEqual([{ kind, start: 7, end: 7 + secret.length }]);
    expect(redact(text)).toBe(`before [REDACTED:${kind}] after`);
  });

  it("aws secret keys in an assignment (only the value is redacted)", () => {
    expect(redact(FAKE.awsSecret)).toBe("aws_secret_access_key = [REDACTED:aws-secret-key]");
  });

  it.each([
    ['password="Xk9#mP2vQ7zL"', 'password="[REDACTED:assigned-secret]"'],
    ["api_key: 7fG2kP9xQ4mZ8wL1", "api_key: [REDACTED:assigned-secret]"],
    ["export API_KEY=9dF3kL0pQ8rT2vX6", "export API_KEY=[REDACTED:assigned-secret]"],
    ['{"client_secret": "Zq8XwP4kLm2N9vBt"}', '{"client_secret": "[REDACTED:assigned-secret]"}'],
    ["DB_PASSWORD=s3cr3tV4lu3Xy", "DB_PASSWORD=[REDACTED:assigned-secret]"],
  ])("assignment with a random value: %s", (text, expected) => {
    expect(redact(text)).toBe(expected);
  });

  it.each([
    "password: ${DB_PASSWORD}",
    "token = getToken()",
    "password=changeme",
    "api_key: <your key here>",
    "secret: xxxxxxxxxxxx",
    "password: correcthorsebatterystaple",
    "token: ${{ secrets.GITHUB_TOKEN }}",
    "the token is refreshed every hour",
  ])("assignment that is not a secret: %s", (text) => {
    expect(findSecrets(text)).toEqual([]);
  });

  it("a PEM block without its END line is redacted to the end of the text", () => {
    const open = FAKE.pem.split("\n").slice(0, 3).join("\n");
    expect(redact(`key:\n${open}`)).toBe("key:\n[REDACTED:private-key]");
  });

  it("several secrets in one text, in order, not overlapping", () => {
    const text = `a=${FAKE.ghp}\nb=${FAKE.aws}\n${FAKE.jwt}`;
    expect(findSecrets(text).map((h) => h.kind)).toEqual(["github-token", "aws-access-key", "jwt"]);
    expect(redact(text)).toBe("a=[REDACTED:github-token]\nb=[REDACTED:aws-access-key]\n[REDACTED:jwt]");
  });
});

describe("findSecrets: hidden as base64", () => {
  it.each([
    ["github-token-base64", `token: ${FAKE.ghp}`],
    ["aws-access-key-base64", `AWS_ACCESS_KEY_ID=${FAKE.aws}\n`],
    ["anthropic-key-base64", FAKE.anthropic],
    ["private-key-base64", FAKE.pem],
  ])("%s", (kind, plain) => {
    const encoded = btoa(plain);
    const text = `config: ${encoded}\n`;
    expect(findSecrets(text)).toEqual([{ kind, start: 8, end: 8 + encoded.length }]);
    expect(redact(text)).toBe(`config: [REDACTED:${kind}]\n`);
  });

  it("base64url without padding too", () => {
    const encoded = b64url(`{"token":"${FAKE.ghp}"}`);
    expect(findSecrets(`x ${encoded} y`).map((h) => h.kind)).toEqual(["github-token-base64"]);
  });

  it("base64 of ordinary text is left alone", () => {
    expect(findSecrets(btoa("hello world, this is just a sentence"))).toEqual([]);
  });
});

describe("findSecrets: the gaps of issue 14", () => {
  // The fleet's own token shape (server/auth/tokens.ts): prefix, 32 body characters, 6 of checksum.
  const fleet = (prefix: string, seed: number) => `${prefix}_${rand(seed, 38, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")}`;

  it.each(["gfa", "gff", "gfe"])("the fleet's own %s_ token", (prefix) => {
    const token = fleet(prefix, prefix.charCodeAt(2));
    expect(redact(`Authorization header: ${token} sent`)).toBe("Authorization header: [REDACTED:fleet-token] sent");
  });

  it("a token with a terminal escape inside it", () => {
    const colored = `${FAKE.ghp.slice(0, 12)}\u001b[1;31m${FAKE.ghp.slice(12, 20)}\u001b[0m${FAKE.ghp.slice(20)}`;
    const text = `\u001b[32mtoken\u001b[39m ${colored} done`;
    expect(redact(text)).toBe("\u001b[32mtoken\u001b[39m [REDACTED:github-token] done");
    expect(redact(text)).not.toContain(FAKE.ghp.slice(20));
  });

  it("AWS SecretAccessKey in JSON (aws sts, credential files)", () => {
    const key = rand(40, 40, B64);
    const json = `{"Credentials": {"AccessKeyId": "x", "SecretAccessKey": "${key}", "Expiration": "2026"}}`;
    expect(redact(json)).toBe('{"Credentials": {"AccessKeyId": "x", "SecretAccessKey": "[REDACTED:aws-secret-key]", "Expiration": "2026"}}');
  });

  it.each([
    ["https://deploy:Zq8XwP4kLm2N@git.example.com/shop.git", "https://deploy:[REDACTED:url-password]@git.example.com/shop.git"],
    ["postgres://app:hunter2secret@db:5432/shop", "postgres://app:[REDACTED:url-password]@db:5432/shop"],
    ["redis://:s3cr3t@cache:6379", "redis://:[REDACTED:url-password]@cache:6379"],
  ])("a password inside a URL: %s", (text, expected) => {
    expect(redact(text)).toBe(expected);
  });

  it.each(["https://user:${PASSWORD}@host/x", "https://user:***@host", "http://localhost:3000/path@v2", "ssh://git@github.com:22/a/b"])("not a URL password: %s", (text) => {
    expect(findSecrets(text)).toEqual([]);
  });

  it.each([
    [`curl -H "Authorization: Bearer ${rand(41, 40)}" https://api.example.com`, 'curl -H "Authorization: Bearer [REDACTED:auth-header]" https://api.example.com'],
    [`Authorization: Basic ${btoa("deploy:Zq8XwP4kLm2N")}`, "Authorization: Basic [REDACTED:auth-header]"],
  ])("Bearer and Basic headers: %s", (text, expected) => {
    expect(redact(text)).toBe(expected);
  });

  it("prose about Bearer tokens and Basic authentication is left alone", () => {
    expect(findSecrets("Use Bearer authentication, or Basic authorization over TLS.")).toEqual([]);
  });

  it("a base64-wrapped key (76-column lines) decoded as one blob", () => {
    const token = fleet("gff", 7);
    // Place the token so that the line break of the wrapped base64 falls inside it.
    const plain = `${"x".repeat(40)} factory token ${token} end of file\n`;
    const wrapped = btoa(plain).match(/.{1,76}/g)!;
    expect(wrapped.length).toBeGreaterThan(1);
    for (const line of wrapped) expect(findSecrets(line)).toEqual([]);
    const text = `config:\n${wrapped.join("\n")}\nafter\n`;
    expect(redact(text)).toBe("config:\n[REDACTED:fleet-token-base64]\nafter\n");
  });

  it("a base64-wrapped private key", () => {
    const wrapped = btoa(FAKE.pem).match(/.{1,76}/g)!.join("\n");
    expect(findSecrets(wrapped).map((h) => h.kind)).toEqual(["private-key-base64"]);
  });
});

describe("no false positives", () => {
  it.each([
    ["a git SHA", "commit 3f786850e387550fdab836ed7e6dc881de23001b"],
    ["a short SHA", "HEAD is now at 3f78685 fix footer"],
    ["a UUID", "job 123e4567-e89b-12d3-a456-426614174000 queued"],
    ["uppercase UUIDs", "550E8400-E29B-41D4-A716-446655440000 and 6BA7B810-9DAD-11D1-80B4-00C04FD430C8"],
    ["a file path", "/home/runner/work/gigafactory/node_modules/typescript/lib/typescript.js"],
    ["a long relative path", "src/components/FleetMap/FactoryCardHeaderWithStatus.tsx"],
    ["a URL", "https://github.com/example/shop-api/pull/1432/files#diff-3f786850e387550fdab836ed7e6dc881de23001b"],
    ["an npm integrity hash", `"integrity": "sha512-${rand(30, 86, B64)}=="`],
    ["a sha256 hex digest", "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
    ["a ULID", "01ARZ3NDEKTSV4RRFFQ69G5FAV"],
    ["a container image digest", "node@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
    ["ordinary prose", "The password field must be at least 12 characters; the token expires after an hour."],
    ["ANSI-coloured test output", "\u001b[32m✓\u001b[39m lib/manifest.test.ts (66 tests) 20ms"],
    ["a base64 blob of binary data", `data:image/png;base64,${btoa(String.fromCharCode(...Array.from({ length: 60 }, (_, i) => (i * 37) % 256)))}`],
    ["a sk- word", "use the sk-learn style of naming"],
  ])("%s", (_name, text) => {
    expect(findSecrets(text)).toEqual([]);
    expect(redact(text)).toBe(text);
  });

  it("random hex and UUIDs never match (property)", () => {
    fc.assert(
      fc.property(fc.uuid(), fc.stringMatching(/^[0-9a-f]{40}$/), (uuid, sha) => {
        expect(findSecrets(`${uuid} ${sha} ${sha.slice(0, 7)}`)).toEqual([]);
      }),
    );
  });
});

describe("messages", () => {
  it("never contain the secret", () => {
    expect(secretMessage("github-token")).toBe(
      "the value looks like a GitHub token: keep secrets out of job files (a factory holds credentials and advertises cred:<name>)",
    );
    expect(describeSecret("aws-access-key-base64")).toBe("an AWS access key (hidden as base64)");
    expect(describeSecret("unknown-kind")).toBe("a secret");
  });

  it("entropy", () => {
    expect(entropy("aaaa")).toBe(0);
    expect(entropy("abcd")).toBe(2);
  });
});

describe("createStreamRedactor", () => {
  function streamed(chunks: string[]): string {
    const r = createStreamRedactor();
    return chunks.map((c) => r.push(c)).join("") + r.flush();
  }

  it("catches a secret split across two chunks", () => {
    const text = `log line one\nusing token ${FAKE.ghp} now\nlast line\n`;
    const at = text.indexOf("ghp_") + 10;
    const out = streamed([text.slice(0, at), text.slice(at)]);
    expect(out).toBe(redact(text));
    expect(out).toContain("[REDACTED:github-token]");
    expect(out).not.toContain(FAKE.ghp.slice(0, 10));
  });

  it("catches a secret split into single characters", () => {
    const text = `export OPENAI_API_KEY=${FAKE.openaiProj}\n`;
    expect(streamed([...text])).toBe(redact(text));
  });

  it("releases complete lines at once and holds back only the unfinished line", () => {
    const r = createStreamRedactor();
    expect(r.push("building")).toBe("");
    expect(r.push(" step 1\nstep")).toBe("building step 1\n");
    expect(r.push(" 2\r")).toBe("step 2\r");
    expect(r.push(`token ${FAKE.ghp.slice(0, 12)}`)).toBe("");
    expect(r.push(`${FAKE.ghp.slice(12)} done\n`)).toBe("token [REDACTED:github-token] done\n");
    expect(r.flush()).toBe("");
  });

  it("an assignment split across chunks stays together (the key is on the held line)", () => {
    const r = createStreamRedactor();
    expect(r.push("ok\nexport API_KEY=")).toBe("ok\n");
    expect(r.push("9dF3kL0pQ8rT2vX6\n")).toBe("export API_KEY=[REDACTED:assigned-secret]\n");
  });

  it("bounds what it holds even on one endless line", () => {
    const r = createStreamRedactor();
    let out = "";
    for (let i = 0; i < 100; i++) out += r.push("y".repeat(1000));
    expect(100_000 - out.length).toBeLessThanOrEqual(STREAM_MAX_HELD);
    expect(out + r.flush()).toBe("y".repeat(100_000));
  });

  it("a private key spread over many chunks never leaks", () => {
    const text = `starting\n${FAKE.pem}\ndone\n`;
    const chunks = text.match(/[\s\S]{1,7}/g)!;
    const out = streamed(chunks);
    expect(out).toBe("starting\n[REDACTED:private-key]\ndone\n");
  });

  it("a huge private key block is swallowed up to its END line", () => {
    const body = Array.from({ length: 400 }, (_, i) => rand(100 + i, 64, B64)).join("\n");
    const text = `start\n-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\nafter\n`;
    const out = streamed(text.match(/[\s\S]{1,500}/g)!);
    expect(out.startsWith("start\n[REDACTED:private-key]")).toBe(true);
    expect(out.endsWith("\nafter\n")).toBe(true);
    expect(out).not.toMatch(/[A-Za-z0-9+/]{64}/);
  });

  it("streamed output equals redact(whole) for any chunking (property)", () => {
    const secrets = Object.values(FAKE);
    const piece = fc.oneof(
      fc.constantFrom(...secrets),
      fc.string({ maxLength: 40 }),
      fc.constantFrom("\n", " ", "password=", "token: ", "\r\n"),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 20 }), (pieces, sizes) => {
        const text = pieces.join("");
        const chunks: string[] = [];
        let pos = 0;
        let i = 0;
        while (pos < text.length) {
          const n = sizes[i++ % sizes.length]!;
          chunks.push(text.slice(pos, pos + n));
          pos += n;
        }
        expect(streamed(chunks)).toBe(redact(text));
      }),
      { numRuns: 200 },
    );
  });
});
