// Internal pieces the approval bench measures directly.
import type { KeyObject } from "node:crypto";
import { type UnlockedKey, unlockedKey } from "../src/approval/keys.ts";

export * from "../src/approval/index.ts";
export { signingInput as signingInputForBench } from "../src/approval/token.ts";

export function unlockedKeyForBench(name: string, key: KeyObject): UnlockedKey {
  return unlockedKey(name, key);
}
