import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rawPublicKey } from "../../src/approval/config.ts";
import {
  ApprovalError,
  DEFAULT_SCRYPT,
  initKey,
  keyPath,
  protectPrivateKey,
  readKeyFile,
  rotateKey,
  unlockKey,
  unprotectPrivateKey,
} from "../../src/approval/index.ts";
import { makeKey, TEST_SCRYPT, type TestEnv, testEnv } from "./helpers.ts";

let t: TestEnv;
beforeEach(() => {
  t = testEnv();
});
afterEach(() => t.cleanup());

describe("passphrase-protected keys", () => {
  it("stores the private key encrypted, mode 0600, in a 0700 directory, and unlocks with the passphrase", () => {
    const pub = makeKey(t, "alice", "correct horse battery");
    const path = keyPath("alice", t.env);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(path)).mode & 0o777).toBe(0o700);
    const text = readFileSync(path, "utf8");
    expect(text).not.toMatch(/PRIVATE KEY/);
    const key = unlockKey("alice", "correct horse battery", t.env);
    expect(key.publicKey).toBe(pub);
    const sig = key.sign(Buffer.from("hello"));
    const spki = createPublicKey({
      key: Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), Buffer.from(pub, "base64")]),
      format: "der",
      type: "spki",
    });
    expect(verify(null, Buffer.from("hello"), spki, sig)).toBe(true);
  });

  it("uses strong scrypt parameters by default and stores them with the ciphertext", () => {
    expect(DEFAULT_SCRYPT.N).toBeGreaterThanOrEqual(2 ** 17);
    const file = initKey("strong", "a strong passphrase", { env: t.env });
    expect(file.kdf).toMatchObject({
      name: "scrypt",
      N: DEFAULT_SCRYPT.N,
      r: DEFAULT_SCRYPT.r,
      p: DEFAULT_SCRYPT.p,
    });
    expect(unlockKey("strong", "a strong passphrase", t.env).publicKey).toBe(file.publicKey);
  });

  it("rejects a wrong passphrase with a clear error", () => {
    makeKey(t, "alice", "right passphrase");
    expect(() => unlockKey("alice", "wrong passphrase", t.env)).toThrow(/wrong passphrase for key 'alice'/);
    try {
      unlockKey("alice", "wrong passphrase", t.env);
    } catch (err) {
      expect(err).toBeInstanceOf(ApprovalError);
      expect((err as ApprovalError).code).toBe("passphrase");
    }
  });

  it("detects tampering with the stored parameters, name or public key (authenticated header)", () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    const file = protectPrivateKey(privateKey, "bob", "passphrase-1", { insecureTestScrypt: TEST_SCRYPT });
    expect(rawPublicKey(createPublicKey(unprotectPrivateKey(file, "passphrase-1")))).toBe(file.publicKey);
    const other = generateKeyPairSync("ed25519").publicKey;
    for (const bad of [
      { ...file, name: "mallory" },
      { ...file, publicKey: rawPublicKey(other) },
      { ...file, created: "2000-01-01T00:00:00.000Z" },
      { ...file, kdf: { ...file.kdf, r: 4 } },
      { ...file, ciphertext: flipFirstByte(file.ciphertext) },
    ])
      expect(() => unprotectPrivateKey(bad, "passphrase-1")).toThrow(ApprovalError);
  });

  it("refuses to overwrite an existing key on init, and rejects short passphrases", () => {
    makeKey(t, "alice");
    expect(() =>
      initKey("alice", "another passphrase", { env: t.env, insecureTestScrypt: TEST_SCRYPT }),
    ).toThrow(/already exists/);
    expect(() => initKey("carol", "short", { env: t.env, insecureTestScrypt: TEST_SCRYPT })).toThrow(
      /at least 8/,
    );
  });

  it("rotate with a wrong passphrase leaves the key file untouched; with the right one replaces the key", () => {
    const pub = makeKey(t, "alice", "old passphrase");
    const before = readFileSync(keyPath("alice", t.env), "utf8");
    expect(() =>
      rotateKey("alice", "not the passphrase", { env: t.env, insecureTestScrypt: TEST_SCRYPT }),
    ).toThrow(/wrong passphrase/);
    expect(readFileSync(keyPath("alice", t.env), "utf8")).toBe(before);
    const { previous, current } = rotateKey("alice", "old passphrase", {
      env: t.env,
      newPassphrase: "new passphrase",
      insecureTestScrypt: TEST_SCRYPT,
    });
    expect(previous.publicKey).toBe(pub);
    expect(current.publicKey).not.toBe(pub);
    expect(readKeyFile("alice", t.env).publicKey).toBe(current.publicKey);
    expect(() => unlockKey("alice", "old passphrase", t.env)).toThrow(/wrong passphrase/);
    expect(unlockKey("alice", "new passphrase", t.env).publicKey).toBe(current.publicKey);
    expect(statSync(keyPath("alice", t.env)).mode & 0o777).toBe(0o600);
  });
});

/** A different first byte, always (setting it to a constant left it unchanged one run in 256). */
function flipFirstByte(base64: string): string {
  const bytes = Buffer.from(base64, "base64");
  bytes[0] = bytes[0]! ^ 0xff;
  return bytes.toString("base64");
}
