// Shared fixtures for the audit tests: temp dirs and real child-process writers.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { removeTree, tempDir } from "../tmp.ts";

export function tempDirs(): { root: string; dir: string; keyDir: string; cleanup: () => void } {
  const root = tempDir("warden-audit-");
  return {
    root,
    dir: join(root, "audit"),
    keyDir: join(root, "keys"),
    cleanup: () => removeTree(root),
  };
}

const CHILD = new URL("./writer-child.ts", import.meta.url).pathname;

export interface Writer {
  child: ChildProcess;
  acks: { seq: number; id: string }[];
  done: Promise<number | null>;
}

export function spawnWriter(dir: string, keyDir: string, count: number, tag: string, mode = "one"): Writer {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, dir, keyDir, String(count), tag, mode], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const acks: { seq: number; id: string }[] = [];
  let buf = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => {
    buf += d.toString();
    let nl = buf.indexOf("\n");
    while (nl !== -1) {
      const [, seq, id] = buf.slice(0, nl).split(" ");
      acks.push({ seq: Number(seq), id: id! });
      buf = buf.slice(nl + 1);
      nl = buf.indexOf("\n");
    }
  });
  child.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      if (code !== 0 && code !== null && stderr) process.stderr.write(stderr);
      resolve(code);
    }),
  );
  return { child, acks, done };
}

export async function waitFor(cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 5));
  }
}
