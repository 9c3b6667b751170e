// Small statistics helpers for the benchmarks.
import { spawnSync } from "node:child_process";

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
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

/** Median wall time in ms of spawning argv `n` times (interleave callers for fairness). */
export function spawnMs(argv: string[], input?: string): number {
  const t = performance.now();
  const r = spawnSync(argv[0]!, argv.slice(1), {
    input,
    stdio: [input === undefined ? "ignore" : "pipe", "ignore", "ignore"],
  });
  if (r.error) throw r.error;
  return performance.now() - t;
}

export function fmt(n: number, digits = 1): string {
  return n >= 1000 ? Math.round(n).toLocaleString("en-US") : n.toFixed(digits);
}
