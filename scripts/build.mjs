// Bundles the CLI and the library with esbuild. Subcommands are split into chunks that load on demand,
// so the hot path (`warden check`, `warden hook`) pays only for what it uses.
import { chmodSync, rmSync } from "node:fs";
import { build } from "esbuild";

rmSync("dist", { recursive: true, force: true });
await build({
  // hook-fallback: what dist/hook.js loads when no daemon answers (the same code as `warden hook`).
  entryPoints: { warden: "src/cli/main.ts", index: "src/index.ts", "hook-fallback": "src/cli/hook.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  // Smaller code parses faster: every cold `warden check` / `warden hook` pays for it.
  minify: true,
  keepNames: false,
  chunkNames: "chunks/[name]-[hash]",
  // koffi loads its prebuilt .node from a per-platform package at run time: keep it a real import, loaded
  // only by the code that needs it (the system daemon's peer credentials, the Landlock session sandbox).
  external: ["koffi"],
  // Some dependencies (zod, yaml) are CommonJS-aware; give bundled CJS a require().
  banner: {
    js: "import { createRequire as __wardenCreateRequire } from 'node:module'; const require = __wardenCreateRequire(import.meta.url);",
  },
  logLevel: "warning",
});
chmodSync("dist/warden.js", 0o755);

// dist/hook.js: the hook client agents spawn per tool call. Its own build, one file, no shared chunks, so
// that starting it parses nothing but itself (node:http to the daemon); the full hook loads only when no
// daemon answers (hook-fallback.js, through a specifier esbuild does not follow).
const hook = await build({
  entryPoints: { hook: "src/daemon/hook-main.ts" },
  outdir: "dist",
  bundle: true,
  splitting: false,
  format: "esm",
  platform: "node",
  target: "node20",
  minify: true,
  metafile: true,
  logLevel: "warning",
});
const inputs = Object.keys(hook.metafile.inputs);
const heavy = inputs.filter((f) =>
  /node_modules|src\/(policy|rules|shell|audit|approval|integrations)\//.test(f),
);
if (heavy.length > 0) throw new Error(`dist/hook.js must stay tiny, but it bundles: ${heavy.join(", ")}`);
chmodSync("dist/hook.js", 0o755);
