// Sandbox start-up cost: median of 50 runs of /bin/true under bubblewrap (full Warden argv, via runSandboxed)
// against a plain spawnSync of /bin/true. Run with `npx tsx bench/sandbox.bench.ts`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { probeSandbox } from "../src/sandbox/probe.ts";
import { runSandboxed } from "../src/sandbox/run.ts";
import { fmt, median } from "./stats.ts";

const RUNS = 50;
const probe = probeSandbox();
if (!probe.ok) {
  console.error(`sandbox unavailable: ${probe.problems.join("; ")}`);
  process.exit(1);
}
const ws = mkdtempSync(join(tmpdir(), "warden-bench-"));
try {
  const plain: number[] = [];
  const boxed: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    spawnSync("/bin/true");
    plain.push(performance.now() - t);
    const r = await runSandboxed({
      workspace: ws,
      cwd: ".",
      argv: ["/bin/true"],
      hidden: [join(process.env.HOME ?? "/root", ".ssh")],
      blockedPrograms: ["docker", "ansible", "vagrant"],
    });
    if (r.exit !== 0) throw new Error(`sandboxed /bin/true failed: ${JSON.stringify(r)}`);
    boxed.push(r.durationMs);
  }
  const p = median(plain);
  const b = median(boxed);
  console.log(`sandbox (bwrap ${probe.version}): median of ${RUNS} runs of /bin/true`);
  console.log(`  plain spawnSync   ${fmt(p, 2)} ms`);
  console.log(`  runSandboxed      ${fmt(b, 2)} ms`);
  console.log(`  ratio             ${fmt(b / p, 1)}x  (+${fmt(b - p, 2)} ms per command)`);
} finally {
  rmSync(ws, { recursive: true, force: true });
}
