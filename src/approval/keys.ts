// Passphrase-protected Ed25519 keys: the one module that reads and writes private key files.
//
// A key file is JSON: a header (name, public key, KDF parameters) and the PKCS#8 private key encrypted with
// AES-256-GCM under a key derived by scrypt from the passphrase. The header is the GCM additional data, so
// changing a parameter, the name or the public key makes decryption fail rather than produce another key.
// `protectPrivateKey` / `unprotectPrivateKey` are usable for any Ed25519 key (the audit host key can move
// here: see the report in issue 6).
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  scryptSync,
  sign,
} from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { stateDir } from "../state.ts";
import { rawPublicKey } from "./config.ts";
import { ApprovalError } from "./errors.ts";
import { ensurePrivateDir, writeFileAtomic } from "./files.ts";

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

/** ~128 MiB and a few hundred ms per unlock: strong against offline guessing, paid once per session. */
export const DEFAULT_SCRYPT: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });

export const KEY_FORMAT = "warden-protected-key" as const;
const MIN_PASSPHRASE_LENGTH = 8;

export interface ProtectedKeyFile {
  format: typeof KEY_FORMAT;
  v: 1;
  name: string;
  algorithm: "ed25519";
  /** Raw 32-byte public key, base64 (what goes into the policy's `approvers:`). */
  publicKey: string;
  created: string;
  kdf: { name: "scrypt"; N: number; r: number; p: number; salt: string };
  cipher: { name: "aes-256-gcm"; iv: string; tag: string };
  ciphertext: string;
}

export interface ProtectOptions {
  /**
   * TEST ONLY: weaker scrypt parameters so test suites can create many keys quickly. Production callers
   * never pass this; the defaults are what `warden keys init` uses.
   */
  insecureTestScrypt?: ScryptParams;
  created?: Date;
}

/** An unlocked key: signs in this process. The private key never leaves the object. */
export interface UnlockedKey {
  name: string;
  /** Raw public key, base64. */
  publicKey: string;
  fingerprint: string;
  sign(data: Buffer): Buffer;
}

export function fingerprint(publicKey: KeyObject): string {
  const der = publicKey.export({ type: "spki", format: "der" });
  return `SHA256:${createHash("sha256").update(der).digest("hex").slice(0, 32)}`;
}

export function validateKeyName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/.test(name))
    throw new ApprovalError("key", `key name '${name}' must be letters, digits, '.', '_', '@' or '-'`);
  return name;
}

export function checkNewPassphrase(passphrase: string): void {
  if (passphrase.length < MIN_PASSPHRASE_LENGTH)
    throw new ApprovalError(
      "passphrase",
      `the passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters`,
    );
}

function header(file: Omit<ProtectedKeyFile, "cipher" | "ciphertext">): Buffer {
  const { format, v, name, algorithm, publicKey, created, kdf } = file;
  return Buffer.from(
    JSON.stringify([format, v, name, algorithm, publicKey, created, kdf.name, kdf.N, kdf.r, kdf.p, kdf.salt]),
  );
}

function deriveKey(passphrase: string, kdf: ProtectedKeyFile["kdf"]): Buffer {
  const { N, r, p } = kdf;
  if (
    !Number.isInteger(N) ||
    N < 2 ||
    (N & (N - 1)) !== 0 ||
    !Number.isInteger(r) ||
    !Number.isInteger(p) ||
    r < 1 ||
    p < 1 ||
    N * r * p > 2 ** 26
  )
    throw new ApprovalError("key", "key file has invalid scrypt parameters");
  return scryptSync(passphrase.normalize("NFC"), Buffer.from(kdf.salt, "base64"), 32, {
    N,
    r,
    p,
    maxmem: 128 * N * r * p + 32 * 1024 * 1024,
  });
}

/** Encrypts an Ed25519 private key under a passphrase. */
export function protectPrivateKey(
  privateKey: KeyObject,
  name: string,
  passphrase: string,
  options: ProtectOptions = {},
): ProtectedKeyFile {
  if (privateKey.asymmetricKeyType !== "ed25519")
    throw new ApprovalError("key", "only Ed25519 keys are supported");
  const params = options.insecureTestScrypt ?? DEFAULT_SCRYPT;
  const head = {
    format: KEY_FORMAT as typeof KEY_FORMAT,
    v: 1 as const,
    name: validateKeyName(name),
    algorithm: "ed25519" as const,
    publicKey: rawPublicKey(createPublicKey(privateKey)),
    created: (options.created ?? new Date()).toISOString(),
    kdf: {
      name: "scrypt" as const,
      N: params.N,
      r: params.r,
      p: params.p,
      salt: randomBytes(16).toString("base64"),
    },
  };
  const key = deriveKey(passphrase, head.kdf);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(header(head));
  const der = privateKey.export({ type: "pkcs8", format: "der" });
  const ciphertext = Buffer.concat([cipher.update(der), cipher.final()]);
  der.fill(0);
  key.fill(0);
  return {
    ...head,
    cipher: { name: "aes-256-gcm", iv: iv.toString("base64"), tag: cipher.getAuthTag().toString("base64") },
    ciphertext: ciphertext.toString("base64"),
  };
}

/** Decrypts a protected key. A wrong passphrase (or any tampering) is an ApprovalError("passphrase"). */
export function unprotectPrivateKey(file: ProtectedKeyFile, passphrase: string): KeyObject {
  const key = deriveKey(passphrase, file.kdf);
  let der: Buffer;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(file.cipher.iv, "base64"));
    decipher.setAAD(header(file));
    decipher.setAuthTag(Buffer.from(file.cipher.tag, "base64"));
    der = Buffer.concat([decipher.update(Buffer.from(file.ciphertext, "base64")), decipher.final()]);
  } catch {
    throw new ApprovalError("passphrase", `wrong passphrase for key '${file.name}'`);
  } finally {
    key.fill(0);
  }
  const privateKey = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  der.fill(0);
  if (
    privateKey.asymmetricKeyType !== "ed25519" ||
    rawPublicKey(createPublicKey(privateKey)) !== file.publicKey
  )
    throw new ApprovalError("key", `key file for '${file.name}' is inconsistent (public key does not match)`);
  return privateKey;
}

export function parseKeyFile(text: string, source: string): ProtectedKeyFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new ApprovalError("key", `${source} is not a Warden key file`);
  }
  const f = doc as Partial<ProtectedKeyFile> | null;
  const str = (v: unknown) => typeof v === "string" && v.length > 0;
  if (
    !f ||
    f.format !== KEY_FORMAT ||
    f.v !== 1 ||
    f.algorithm !== "ed25519" ||
    !str(f.name) ||
    !str(f.publicKey) ||
    !str(f.created) ||
    f.kdf?.name !== "scrypt" ||
    !str(f.kdf.salt) ||
    f.cipher?.name !== "aes-256-gcm" ||
    !str(f.cipher.iv) ||
    !str(f.cipher.tag) ||
    !str(f.ciphertext)
  )
    throw new ApprovalError("key", `${source} is not a Warden key file (or a newer version)`);
  return f as ProtectedKeyFile;
}

export function unlockedKey(name: string, privateKey: KeyObject): UnlockedKey {
  const pub = createPublicKey(privateKey);
  return {
    name,
    publicKey: rawPublicKey(pub),
    fingerprint: fingerprint(pub),
    sign: (data) => sign(null, data, privateKey),
  };
}

// ── Key files on disk ──────────────────────────────────────────────────────────────────────────────

export function keysDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.WARDEN_KEYS_DIR || join(stateDir(env), "keys");
}

export function keyPath(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(keysDir(env), `approver-${validateKeyName(name)}.key`);
}

/** The key used when none is named: the only one there is, else the one named after the OS user. */
export function defaultKeyName(env: NodeJS.ProcessEnv = process.env): string {
  const names = listKeyNames(env);
  if (names.length === 1) return names[0]!;
  const user = env.USER || env.LOGNAME || "default";
  if (names.length === 0 || names.includes(user)) return user;
  throw new ApprovalError("key", `several keys exist (${names.join(", ")}): name one with --name`);
}

export function listKeyNames(env: NodeJS.ProcessEnv = process.env): string[] {
  let entries: string[];
  try {
    entries = readdirSync(keysDir(env));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  return entries
    .map((e) => /^approver-(.+)\.key$/.exec(e)?.[1])
    .filter((n): n is string => n !== undefined)
    .sort();
}

export function readKeyFile(name: string, env: NodeJS.ProcessEnv = process.env): ProtectedKeyFile {
  const path = keyPath(name, env);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT")
      throw new ApprovalError(
        "key",
        `no key named '${name}' (create one with \`warden keys init --name ${name}\`)`,
      );
    throw new ApprovalError("io", `cannot read ${path}: ${(err as Error).message}`);
  }
  return parseKeyFile(text, path);
}

export interface InitKeyOptions extends ProtectOptions {
  env?: NodeJS.ProcessEnv;
}

/** Generates and stores a new key. Refuses to replace an existing one (that is `rotateKey`). */
export function initKey(name: string, passphrase: string, options: InitKeyOptions = {}): ProtectedKeyFile {
  const env = options.env ?? process.env;
  checkNewPassphrase(passphrase);
  const path = keyPath(name, env);
  ensurePrivateDir(keysDir(env));
  const { privateKey } = generateKeyPairSync("ed25519");
  const file = protectPrivateKey(privateKey, name, passphrase, options);
  if (!writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`, { exclusive: true }))
    throw new ApprovalError(
      "key",
      `a key named '${name}' already exists (${path}); use \`warden keys rotate\``,
    );
  return file;
}

/** Decrypts a stored key for signing in this process. */
export function unlockKey(
  name: string,
  passphrase: string,
  env: NodeJS.ProcessEnv = process.env,
): UnlockedKey {
  const file = readKeyFile(name, env);
  return unlockedKey(file.name, unprotectPrivateKey(file, passphrase));
}

/** The decrypted private key itself, for handing to the unlock agent (over a pipe, never argv or env). */
export function unlockPrivateKey(
  name: string,
  passphrase: string,
  env: NodeJS.ProcessEnv = process.env,
): { file: ProtectedKeyFile; privateKey: KeyObject } {
  const file = readKeyFile(name, env);
  return { file, privateKey: unprotectPrivateKey(file, passphrase) };
}

export interface RotateOptions extends InitKeyOptions {
  /** The passphrase for the new key (default: the current one). */
  newPassphrase?: string;
}

/**
 * Replaces a key with a fresh one after proving the current passphrase. The old private key is destroyed
 * (atomic replace): approvals it signed stop counting once the policy lists the new public key.
 */
export function rotateKey(
  name: string,
  passphrase: string,
  options: RotateOptions = {},
): { previous: ProtectedKeyFile; current: ProtectedKeyFile } {
  const env = options.env ?? process.env;
  const previous = readKeyFile(name, env);
  unprotectPrivateKey(previous, passphrase);
  const next = options.newPassphrase ?? passphrase;
  checkNewPassphrase(next);
  const { privateKey } = generateKeyPairSync("ed25519");
  const current = protectPrivateKey(privateKey, name, next, options);
  writeFileAtomic(keyPath(name, env), `${JSON.stringify(current, null, 2)}\n`);
  return { previous, current };
}
