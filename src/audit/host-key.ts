// The host's Ed25519 key that signs audit checkpoints. All key file handling lives here so the approval work
// can later wrap the private key with a passphrase without touching the log.

import type { KeyObject } from "node:crypto";
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
} from "node:crypto";
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { AuditError, ioError } from "./errors.ts";

export const PRIVATE_KEY_FILE = "audit-ed25519.pem";
export const PUBLIC_KEY_FILE = "audit-ed25519.pub.pem";

export interface HostPublicKey {
  pem: string;
  /** `SHA256:<hex>` of the DER SubjectPublicKeyInfo: short enough to pin and compare by eye. */
  fingerprint: string;
  verify(data: Buffer, signatureB64: string): boolean;
}

export interface HostKey extends HostPublicKey {
  /** Base64 Ed25519 signature of `data`. */
  sign(data: Buffer): string;
}

export function fingerprintOf(key: KeyObject): string {
  const der = key.export({ type: "spki", format: "der" });
  return `SHA256:${createHash("sha256").update(der).digest("hex").slice(0, 32)}`;
}

export function publicKeyFromPem(pem: string, source = "public key"): HostPublicKey {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new AuditError("key", `${source}: not a valid public key (${(err as Error).message})`, source);
  }
  if (key.asymmetricKeyType !== "ed25519")
    throw new AuditError("key", `${source}: not an Ed25519 key`, source);
  return {
    pem: key.export({ type: "spki", format: "pem" }).toString(),
    fingerprint: fingerprintOf(key),
    verify: (data, sig) => {
      // Node's base64 decoder skips invalid characters and ignores padding bits: insist on the one canonical
      // encoding so an altered signature string can never verify.
      const raw = Buffer.from(sig, "base64");
      if (raw.length !== 64 || raw.toString("base64") !== sig) return false;
      try {
        return verify(null, data, key, raw);
      } catch {
        return false;
      }
    },
  };
}

/** Writes a file that appears whole or not at all, and never replaces an existing one (another process won). */
function createExclusive(path: string, content: string, mode: number): boolean {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const fd = openSync(tmp, "wx", mode);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    unlinkSync(tmp);
  }
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function readKeyFile(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw ioError("cannot read host key", path, err);
  }
}

/** Loads the host key from `keyDir`, generating it (mode 0600) on first use. */
export function loadOrCreateHostKey(keyDir: string): HostKey {
  const privPath = join(keyDir, PRIVATE_KEY_FILE);
  let pem = readKeyFile(privPath);
  if (pem === null) {
    try {
      mkdirSync(keyDir, { recursive: true, mode: 0o700 });
      const { privateKey, publicKey } = generateKeyPairSync("ed25519");
      const privPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
      createExclusive(privPath, privPem, 0o600);
      // The public half is derived from whichever private key won a creation race.
      const won = readFileSync(privPath, "utf8");
      const pub = won === privPem ? publicKey : createPublicKey(createPrivateKey(won));
      createExclusive(
        join(keyDir, PUBLIC_KEY_FILE),
        pub.export({ type: "spki", format: "pem" }).toString(),
        0o644,
      );
      fsyncDir(keyDir);
    } catch (err) {
      if (err instanceof AuditError) throw err;
      throw ioError("cannot create host key", privPath, err);
    }
    pem = readKeyFile(privPath);
    if (pem === null) throw new AuditError("key", `host key ${privPath} vanished after creation`, privPath);
  }
  let priv: KeyObject;
  try {
    priv = createPrivateKey(pem);
  } catch (err) {
    throw new AuditError(
      "key",
      `host key ${privPath} is not a valid private key (${(err as Error).message})`,
      privPath,
    );
  }
  if (priv.asymmetricKeyType !== "ed25519")
    throw new AuditError("key", `host key ${privPath} is not Ed25519`, privPath);
  const pub = publicKeyFromPem(
    createPublicKey(priv).export({ type: "spki", format: "pem" }).toString(),
    privPath,
  );
  return { ...pub, sign: (data) => sign(null, data, priv).toString("base64") };
}

/** The public key verifiers trust: the `.pub.pem` file, or derived from the private key if only that exists. */
export function loadHostPublicKey(keyDir: string): HostPublicKey {
  const pubPath = join(keyDir, PUBLIC_KEY_FILE);
  const pem = readKeyFile(pubPath);
  if (pem !== null) return publicKeyFromPem(pem, pubPath);
  const privPath = join(keyDir, PRIVATE_KEY_FILE);
  const priv = readKeyFile(privPath);
  if (priv === null) {
    throw new AuditError(
      "key",
      `host public key not found: ${pubPath} (and no ${PRIVATE_KEY_FILE})`,
      pubPath,
    );
  }
  try {
    return publicKeyFromPem(
      createPublicKey(createPrivateKey(priv)).export({ type: "spki", format: "pem" }).toString(),
    );
  } catch (err) {
    throw new AuditError(
      "key",
      `host key ${privPath} is not a valid private key (${(err as Error).message})`,
      privPath,
    );
  }
}
