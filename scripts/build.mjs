// Bundles the CLI and the library with esbuild. Subcommands are split into chunks that load on demand,
// so the hot path (`warden check`, `warden hook`) pays only for what it uses.
import { chmodSync, rmSync } from "node:fs";
import { build } from "esbuild";

rmSync("dist", { recursive: true, force: true });
await build({
  entryPoints: { warden: "src/cli/main.ts", index: "src/index.ts" },
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
  // Some dependencies (zod, yaml) are CommonJS-aware; give bundled CJS a require().
  banner: {
    js: "import { createRequire as __wardenCreateRequire } from 'node:module'; const require = __wardenCreateRequire(import.meta.url);",
  },
  logLevel: "warning",
});
chmodSync("dist/warden.js", 0o755);
