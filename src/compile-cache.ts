// Node's on-disk compile cache (module.enableCompileCache, Node ≥ 22.1): V8 keeps the compiled code of
// Warden's modules between runs, so a cold `warden hook` / `warden check` skips most parsing and compiling
// (on Node 24 about 20 % of a hook call). Node 20 has no such function: nothing happens there at all.
//
// The cache holds code that runs as Warden, so it must not become a way to change what Warden does:
// - it is used only when the user running Warden can already write Warden's own code (the directory of the
//   entry script: a user-owned install). A root-owned install never loads a cache its user could have written.
// - it lives in Warden's state dir (`<state dir>/compile-cache`, 0700), which the rules and the sandbox guard
//   like the audit log (src/rules/guard-paths.ts).
// It never fails a run: a cache that cannot be set up is not used. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
// Imported by the tiny hook client (dist/hook.js) too: node builtins and state.ts only.
import { accessSync, constants, mkdirSync } from "node:fs";
import * as nodeModule from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { stateDir } from "./state.ts";

type EnableCompileCache = (directory: string) => { status: number; message?: string; directory?: string };

/**
 * Turns the compile cache on for the modules loaded after this call. `entryUrl` is the running entry's
 * `import.meta.url`. Returns the cache directory, or undefined when the cache is not used.
 */
export function enableCompileCache(
  entryUrl: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const enable = (nodeModule as { enableCompileCache?: unknown }).enableCompileCache;
  if (typeof enable !== "function") return undefined;
  try {
    if (env.NODE_DISABLE_COMPILE_CACHE) return undefined;
    if (!entryUrl.startsWith("file:")) return undefined;
    accessSync(dirname(fileURLToPath(entryUrl)), constants.W_OK);
    const dir = join(stateDir(env), "compile-cache");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const result = (enable as EnableCompileCache)(dir);
    const { ENABLED = 1, ALREADY_ENABLED = 2 } =
      (nodeModule as { constants?: { compileCacheStatus?: Record<string, number> } }).constants
        ?.compileCacheStatus ?? {};
    return result.status === ENABLED || result.status === ALREADY_ENABLED ? result.directory : undefined;
  } catch {
    return undefined;
  }
}
