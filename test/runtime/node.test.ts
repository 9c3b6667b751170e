// The Node runtime: .ci/run runs the suite on the machine's Node 20 and again on Node 24 (scripts/install-node24.sh),
// and Node ≥ 22.1's compile cache is used only behind a feature check (src/compile-cache.ts).
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, statSync, writeFileSync } from "node:fs";
import * as nodeModule from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { lockFdSync, tryLockFd, unlockFd } from "../../src/audit/lock.ts";
import { enableCompileCache } from "../../src/compile-cache.ts";
import { tempDir } from "../tmp.ts";

const CLI = new URL("../../dist/warden.js", import.meta.url).pathname;
const hasCompileCache =
  typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === "function";

function major(version: string): number {
  return Number(version.replace(/^v/, "").split(".")[0]);
}

describe("node runtime", () => {
  it("the workers and the node on PATH are the Node the run asked for (WARDEN_TEST_NODE_MAJOR)", () => {
    expect(major(process.version)).toBeGreaterThanOrEqual(20);
    const onPath = spawnSync("node", ["-p", "process.version"], { encoding: "utf8" });
    expect(onPath.status).toBe(0);
    const wanted = process.env.WARDEN_TEST_NODE_MAJOR;
    if (wanted) {
      expect(major(process.version)).toBe(Number(wanted));
      expect(major(onPath.stdout.trim())).toBe(Number(wanted));
    }
  });

  it("the native lock addon (fs-native-extensions, N-API prebuild) loads and locks", () => {
    const file = join(tempDir("warden-node-"), "lock");
    writeFileSync(file, "");
    const [a, b] = [openSync(file, "r+"), openSync(file, "r+")];
    try {
      lockFdSync(a, file);
      expect(tryLockFd(b, file)).toBe(false); // an open-file-description lock: the second open is refused
      unlockFd(a);
      expect(tryLockFd(b, file)).toBe(true);
      unlockFd(b);
    } finally {
      closeSync(a);
      closeSync(b);
    }
  });
});

describe("compile cache", () => {
  function check(env: NodeJS.ProcessEnv) {
    const r = spawnSync(process.execPath, [CLI, "check", "--", "ls"], {
      env,
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(r.status, r.stderr).toBe(0);
  }

  function isolated(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv & { WARDEN_STATE_DIR: string } {
    const home = tempDir("warden-node-");
    return {
      PATH: process.env.PATH,
      HOME: home,
      WARDEN_STATE_DIR: join(home, "state"),
      WARDEN_CONFIG_DIR: join(home, "config"),
      ...extra,
    };
  }

  it("a CLI run keeps its compiled code in <state dir>/compile-cache (0700) on Node ≥ 22.1, nothing on Node 20", () => {
    const env = isolated();
    check(env);
    const dir = join(env.WARDEN_STATE_DIR, "compile-cache");
    if (!hasCompileCache) {
      expect(enableCompileCache(import.meta.url, env)).toBeUndefined();
      expect(existsSync(dir)).toBe(false);
      return;
    }
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const versions = readdirSync(dir);
    expect(versions).toEqual([expect.stringContaining(process.version)]);
    expect(readdirSync(join(dir, versions[0]!)).length).toBeGreaterThan(0);
    check(env); // and the next run reads it
  });

  it("NODE_DISABLE_COMPILE_CACHE=1 turns it off", () => {
    const env = isolated({ NODE_DISABLE_COMPILE_CACHE: "1" });
    check(env);
    expect(existsSync(join(env.WARDEN_STATE_DIR, "compile-cache"))).toBe(false);
  });

  it("no cache for code the user cannot write (here: an entry whose directory cannot be written)", () => {
    const env = isolated();
    const entry = pathToFileURL(join(env.HOME!, "missing", "warden.js")).href;
    expect(enableCompileCache(entry, env)).toBeUndefined();
    expect(enableCompileCache("data:text/javascript,0", env)).toBeUndefined();
    expect(existsSync(join(env.WARDEN_STATE_DIR, "compile-cache"))).toBe(false);
  });
});
