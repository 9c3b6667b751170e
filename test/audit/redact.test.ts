// The secret redactor: each named provider, generic assignments, entropy, and what must survive.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { redact, redactEnv } from "../../src/audit/redact.ts";

const SECRETS: [string, string][] = [
  ["openai", "sk-proj-4fJx9QmT2vLkR8sWzYbN3cHd7gPaE1uK"],
  ["openai legacy", "sk-T3BlbkFJ9a8s7d6f5g4h3j2k1l0qwertyuiop"],
  ["anthropic", "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"],
  ["github classic", "ghp_16C7e42F292c6912E7710c838347Ae178B4a"],
  ["github oauth", "gho_16C7e42F292c6912E7710c838347Ae178B4a"],
  ["github fine-grained", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz"],
  ["slack", "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOp"],
  ["stripe", "sk_live_51H8xYzAbCdEfGhIjKlMnOp"],
  ["google", "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"],
  ["aws key id", "AKIAIOSFODNN7EXAMPLE"],
  ["jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"],
];

describe("redact", () => {
  for (const [name, secret] of SECRETS) {
    it(`hides a ${name} key and counts it`, () => {
      const r = redact(`curl -H x-key:${secret} https://api.example.com # ${name}`);
      expect(r.text).not.toContain(secret);
      expect(r.text).toMatch(/\[REDACTED:[a-z-]+\]/);
      expect(r.count).toBeGreaterThanOrEqual(1);
    });
  }

  it.each([
    [
      "aws secret assignment",
      "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      "wJalrXUtnFEMI",
    ],
    ["bearer token", "curl -H 'Authorization: Bearer abc.def-ghi_jkl123456'", "abc.def-ghi_jkl123456"],
    ["url password", "git clone https://deploy:s3cr3tPass@git.example.com/repo.git", "s3cr3tPass"],
    ["PASSWORD=", "PGPASSWORD=hunter22 psql -h db", "hunter22"],
    ["--password x", "mysqladmin --password hunter22 status", "hunter22"],
    ["--password=x", "tool --password=hunter22", "hunter22"],
    ["-p'x'", "mysql -u root -p'hunter 22' db", "hunter 22"],
    ["mysql -pX", "mysql -uroot -phunter22 db", "hunter22"],
    [
      "private key",
      "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA\n-----END OPENSSH PRIVATE KEY-----",
      "b3BlbnNz",
    ],
    ["json secret", '{"api_key": "q8W2e4R6t8Y0u2I4o6P8"}', "q8W2e4R6t8Y0u2I4o6P8"],
    ["high entropy", "export X=Zq3vR8mK2pL9xW4nB7cT1yH6jF5dG0sAe2Uu", "Zq3vR8mK2pL9xW4nB7cT1yH6jF5dG0sAe2Uu"],
  ])("hides %s", (_name, text, secret) => {
    const r = redact(text);
    expect(r.text).not.toContain(secret);
    expect(r.count).toBeGreaterThanOrEqual(1);
  });

  it.each([
    "git checkout 3f786850e387550fdab836ed7e6dc881de23001b",
    "sha256sum: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "rm -rf /usr/lib/x86_64-linux-gnu/libexample-something-long.so",
    "kubectl delete pod web-7d4b9c8f6d-x2x9q -n production",
    "mkdir -p build && ssh -p 2222 host",
    "docker run 123e4567-e89b-12d3-a456-426614174000",
    "PWD=/home/dev/project",
  ])("leaves ordinary text alone: %s", (text) => {
    expect(redact(text)).toEqual({ text, count: 0 });
  });

  it("is idempotent and never reveals an embedded provider key (property)", () => {
    const token = fc.stringMatching(/^[A-Za-z0-9]{36}$/);
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), token, fc.string({ maxLength: 40 }), (pre, body, post) => {
        const secret = `ghp_${body}`;
        const once = redact(`${pre} ${secret} ${post}`);
        expect(once.text).not.toContain(secret);
        expect(redact(once.text).count).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it("blanks secret-looking environment names and redacts the rest", () => {
    const r = redactEnv({ GITHUB_TOKEN: "abc", HOME: "/root", DATABASE_URL: "postgres://u:pw123@db/x" });
    expect(r.env.GITHUB_TOKEN).toBe("[REDACTED:env]");
    expect(r.env.HOME).toBe("/root");
    expect(r.env.DATABASE_URL).not.toContain("pw123");
    expect(r.count).toBe(2);
  });
});
