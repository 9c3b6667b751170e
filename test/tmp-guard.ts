// Global setup (vitest.config.ts): every test cleans up after itself, or the run fails (exit code 1, which
// .ci/run counts as a failure even though vitest's JSON report, written earlier, says success).
//
// The run gets private temp dirs: TMPDIR (os.tmpdir()) points at one for the workers and every child they spawn,
// and WARDEN_TEST_VAR_TMP at a sibling under /var/tmp for trees a sandbox must see (test/tmp.ts). Whatever is
// still in them at the end was left by this run: it is listed, the run fails, and the dirs are removed. So
// concurrent runs do not see each other's dirs and a developer's old litter never fails a run. A leak that
// bypasses them (a hard-coded /var/tmp/warden-x path) is caught by comparing the shared temp dirs' warden-*
// entries before and after the run.
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeTree, VAR_TMP_ENV } from "./tmp.ts";

const RUN_PREFIX = "warden-test-run-";
// Names tests give their temp dirs (test/tmp.ts; "wa-" is the approval tests' short one, for socket paths).
const TEST_MADE = /^(warden|wa)-/;
// Not litter: tsx (children started with `--import tsx`) keeps its transform cache in $TMPDIR/tsx-<uid> on
// purpose and reuses it across runs, and on Node ≥ 22.1 turns on Node's compile cache in $TMPDIR/node-compile-cache.
// In the run's dir they go with the dir.
const TOOL_CACHES = /^(tsx-\d+|node-compile-cache)$/;

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export default function setup(): () => void {
  const shared = [...new Set([tmpdir(), "/var/tmp"])];
  const before = new Map(shared.map((d) => [d, new Set(list(d))]));
  const saved = { TMPDIR: process.env.TMPDIR, [VAR_TMP_ENV]: process.env[VAR_TMP_ENV] };
  const runDirs = [mkdtempSync(join(tmpdir(), RUN_PREFIX)), mkdtempSync(join("/var/tmp", RUN_PREFIX))];
  // Read when the workers are forked, after this: they and their children inherit it.
  process.env.TMPDIR = runDirs[0];
  process.env[VAR_TMP_ENV] = runDirs[1];

  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    const left = runDirs.flatMap((d) =>
      list(d)
        .filter((n) => !TOOL_CACHES.test(n))
        .map((n) => join(d, n)),
    );
    const stray = shared.flatMap((d) =>
      list(d)
        .filter((n) => TEST_MADE.test(n) && !n.startsWith(RUN_PREFIX) && !before.get(d)!.has(n))
        .map((n) => join(d, n)),
    );
    if (process.env.WARDEN_TEST_KEEP_TMP === "1") console.error(`tmp-guard: kept ${runDirs.join(" ")}`);
    else for (const d of runDirs) removeTree(d);
    const problems: string[] = [];
    if (left.length)
      problems.push(
        `${left.length} temp entries left behind by the tests (removed now; WARDEN_TEST_KEEP_TMP=1 keeps them):`,
        ...left.map((p) => `  ${p}`),
      );
    // Another test run on the same machine makes such entries too: WARDEN_TEST_CONCURRENT=1 reports them
    // without failing (for developers running several suites at once; CI runs one).
    if (stray.length && process.env.WARDEN_TEST_CONCURRENT === "1")
      console.error(
        `tmp-guard: ${stray.length} new warden-* entries in the shared temp dirs:\n  ${stray.join("\n  ")}`,
      );
    else if (stray.length)
      problems.push(
        `${stray.length} new warden-* entries in the shared temp dirs, made outside this run's private dirs ` +
          "(use tempDir() from test/tmp.ts; or another test run was going on at the same time):",
        ...stray.map((p) => `  ${p}`),
      );
    if (problems.length) {
      // Vitest only logs an error thrown here ("error during close") and still exits 0: set the exit code too.
      process.exitCode = 1;
      throw new Error(`tmp-guard: the test run did not clean up after itself\n${problems.join("\n")}`);
    }
  };
}
