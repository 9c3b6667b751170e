// The verdict corpus: real commands with the decision Warden must reach under the built-in policy.
import { describe, expect, it } from "vitest";
import { evaluateInCorpusContext, verdictCases } from "./corpus.ts";

const cases = verdictCases();

describe("verdict corpus", () => {
  it("has at least 400 cases, each with an expected decision and a note", () => {
    expect(cases.length).toBeGreaterThanOrEqual(400);
    for (const c of cases) {
      expect(["allow", "ask", "deny"], `${c.file}:${c.line}`).toContain(c.expected);
      expect(c.note, `${c.file}:${c.line} needs a note`).toBeTruthy();
    }
  });

  const seen = new Set<string>();
  for (const c of cases) {
    const key = `${c.command}\u0000${c.cwd ?? ""}`;
    const dup = seen.has(key);
    seen.add(key);
    it(`${c.file}:${c.line} ${c.expected} ${JSON.stringify(c.command).slice(0, 100)}${dup ? " (dup)" : ""}`, () => {
      const { verdict } = evaluateInCorpusContext(c.command, c.cwd, c.env);
      const detail = `${c.note ?? ""}\nfindings: ${verdict.findings.map((f) => `${f.risk} ${f.rule}: ${f.reason}`).join("; ")}`;
      expect(verdict.decision, detail).toBe(c.expected);
      if (c.risk) expect(verdict.risk, detail).toBe(c.risk);
    });
  }
});
