import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Every test removes its temp dirs (test/tmp.ts); the guard fails the run if any are left.
    globalSetup: ["test/tmp-guard.ts"],
    setupFiles: ["test/tmp-setup.ts"],
  },
});
