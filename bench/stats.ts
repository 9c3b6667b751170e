// Small statistics helpers for the benchmarks.
import { spawnSync } from "node:child_process";

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The p-th percentile (0–100) of xs, nearest rank. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** Runs fn repeatedly for about `ms` milliseconds and returns operations per second. */
export function throughput(ops: number, fn: () => void, ms = 1500): number {
  fn(); // warm-up
  let runs = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    fn();
    runs++;
  }
  return (runs * ops) / ((performance.now() - start) / 1000);
}

/** Wall time in ms of spawning argv once (interleave callers for fairness); `env` defaults to this process's. */
export function spawnMs(argv: string[], input?: string, env?: NodeJS.ProcessEnv): number {
  const t = performance.now();
  const r = spawnSync(argv[0]!, argv.slice(1), {
    input,
    env,
    stdio: [input === undefined ? "ignore" : "pipe", "ignore", "ignore"],
  });
  if (r.error) throw r.error;
  return performance.now() - t;
}

export function fmt(n: number, digits = 1): string {
  return n >= 1000 ? Math.round(n).toLocaleString("en-US") : n.toFixed(digits);
}
