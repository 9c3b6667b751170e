// Loads the verdict corpora (test/corpus/*.jsonl) and evaluates a case in the corpus's fixed context.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Evaluation, evaluate } from "../../src/index.ts";
import { tempDir } from "../tmp.ts";

export const CORPUS_DIR = new URL("../corpus/", import.meta.url).pathname;
export const CORPUS_CWD = "/home/agent/project";
export const CORPUS_HOME = "/home/agent";

// No user-level policy may leak into the corpus runs: point the config dir at an empty folder (removed after
// the importing test file).
process.env.WARDEN_CONFIG_DIR = tempDir("warden-corpus-config-");

export interface VerdictCase {
  command: string;
  expected: "allow" | "ask" | "deny";
  risk?: "low" | "medium" | "high" | "critical";
  note?: string;
  cwd?: string;
  env?: Record<string, string>;
  file: string;
  line: number;
}

export function readJsonl<T>(file: string): (T & { line: number })[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .map((text, i) => ({ text, line: i + 1 }))
    .filter(({ text }) => text.trim() !== "" && !text.startsWith("//"))
    .map(({ text, line }) => {
      try {
        return { ...(JSON.parse(text) as T), line };
      } catch (err) {
        throw new Error(`${file}:${line}: ${(err as Error).message}`);
      }
    });
}

export function verdictCases(): VerdictCase[] {
  return readdirSync(CORPUS_DIR)
    .filter((f) => /^verdicts-.*\.jsonl$/.test(f))
    .sort()
    .flatMap((file) =>
      readJsonl<Omit<VerdictCase, "file" | "line">>(join(CORPUS_DIR, file)).map((c) => ({ ...c, file })),
    );
}

export function evaluateInCorpusContext(
  command: string,
  cwd = CORPUS_CWD,
  env: Record<string, string> = {},
): Evaluation {
  return evaluate({ kind: "command", command, cwd, env: { HOME: CORPUS_HOME, USER: "agent", ...env } });
}
