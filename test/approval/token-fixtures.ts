// Re-exports for the token tests plus an in-memory key (no files needed to test pure verification).
import { generateKeyPairSync } from "node:crypto";
import { type UnlockedKey, unlockedKey } from "../../src/approval/keys.ts";

export {
  type ApprovalConfig,
  type ApprovalToken,
  defaultApprovalConfig,
  rawPublicKey,
  requestHash,
  signToken,
  type TokenBody,
  verifyToken,
} from "../../src/approval/index.ts";

export function unlockedKeyForTest(name: string): UnlockedKey {
  return unlockedKey(name, generateKeyPairSync("ed25519").privateKey);
}
