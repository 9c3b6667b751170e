// Temp dirs for tests, removed again: made inside a test, a dir goes when that test finishes; made anywhere else
// (module load, describe, beforeAll), when the file's tests are done (the afterAll in test/tmp-setup.ts).
// test/tmp-guard.ts fails the run if anything is left behind.
//
// Everything lands in this run's private dirs (test/tmp-guard.ts): os.tmpdir() is pointed at one for the
// workers and their children, and `varTmp` is its sibling under /var/tmp, for trees a sandbox must see: inside
// the sandbox /tmp is a fresh tmpfs, so paths there are not the host's.
import { chmodSync, lstatSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onTestFinished } from "vitest";

/** Set by test/tmp-guard.ts for the workers; plain /var/tmp when a file runs without it. */
export const VAR_TMP_ENV = "WARDEN_TEST_VAR_TMP";

const REGISTRY = Symbol.for("warden.test.tmpDirs");
type Registry = Set<string>;

function fileRegistry(): Registry {
  const g = globalThis as { [REGISTRY]?: Registry };
  g[REGISTRY] ??= new Set();
  return g[REGISTRY];
}

/**
 * A fresh directory named PREFIXxxxxxx (start the prefix with `warden-`; the guard watches that name in the
 * shared temp dirs too), removed after the current test, or after the file when made outside a test.
 */
export function tempDir(prefix = "warden-test-", opts: { varTmp?: boolean } = {}): string {
  const parent = opts.varTmp ? (process.env[VAR_TMP_ENV] ?? "/var/tmp") : tmpdir();
  const dir = mkdtempSync(join(parent, prefix));
  try {
    onTestFinished(() => removeTree(dir));
  } catch {
    // Not inside a test: the file-level registry, emptied by afterAll.
    fileRegistry().add(dir);
  }
  return dir;
}

/** Removes every dir made outside a test in this file (registered as afterAll by test/tmp-setup.ts). */
export function removeFileTempDirs(): void {
  const dirs = fileRegistry();
  for (const dir of dirs) removeTree(dir);
  dirs.clear();
}

/**
 * rm -rf that also copes with trees a test made unwritable (chmod 0555 dirs): without root, their entries cannot
 * be unlinked until the dir is writable again.
 */
export function removeTree(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true, maxRetries: 3 });
    return;
  } catch {
    makeWritable(path);
  }
  rmSync(path, { recursive: true, force: true, maxRetries: 3 });
}

function makeWritable(path: string): void {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(path);
  } catch {
    return;
  }
  if (!st.isDirectory()) return;
  try {
    chmodSync(path, 0o700);
  } catch {}
  let names: string[] = [];
  try {
    names = readdirSync(path);
  } catch {}
  for (const name of names) makeWritable(join(path, name));
}
