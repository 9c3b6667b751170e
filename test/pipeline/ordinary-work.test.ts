// Friction on real agent work (test/corpus/ordinary-work.jsonl, copied from the shared corpus): commands a
// supervising engineer would let run must be allowed, at most 3% may still prompt, and every line marked
// `ask` must keep asking (or be denied). Each command is judged in its session's workspace, with that
// workspace's own code (git-tracked files, declared bins and dependencies) from ordinary-work.workspaces.json.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluate } from "../../src/index.ts";
import { confinedVerdict, confinementPlan } from "../../src/integrations/confine.ts";
import { builtinPolicy } from "../../src/policy/load.ts";
import { probeSandbox } from "../../src/sandbox/probe.ts";
import { projectFactsFrom } from "../../src/workspace/index.ts";
import { CORPUS_DIR, readJsonl } from "./corpus.ts";

interface WorkCase {
  command: string;
  expected: "allow" | "ask";
  category: string;
  note: string;
  source: string;
  line: number;
}
interface Workspace {
  cwd: string;
  home: string;
  tracked: string[];
  bins: string[];
  dependencies: string[];
}

const cases = readJsonl<WorkCase>(join(CORPUS_DIR, "ordinary-work.jsonl"));
const workspaces = JSON.parse(
  readFileSync(join(CORPUS_DIR, "ordinary-work.workspaces.json"), "utf8"),
) as Record<string, Workspace>;

function evaluation(c: WorkCase) {
  const ws = workspaces[c.source.split(":")[0]!];
  if (!ws) throw new Error(`line ${c.line}: no workspace for ${c.source}`);
  const request = {
    kind: "command" as const,
    command: c.command,
    cwd: ws.cwd,
    env: { HOME: ws.home, USER: "agent", PATH: process.env.PATH ?? "" },
  };
  return { request, ...evaluate(request, { project: projectFactsFrom({ root: ws.cwd, ...ws }) }) };
}

function judge(c: WorkCase) {
  return evaluation(c).verdict;
}

/** The verdict a hook gives when the command will run confined (src/integrations/confine.ts). */
function judgeConfined(c: WorkCase) {
  const { request, analysis, verdict } = evaluation(c);
  const policy = builtinPolicy().effective(null);
  return confinedVerdict(verdict, confinementPlan(request, analysis, policy, request.env), policy);
}

// Issue 12's bar is 3%; the ratchet below it is where the packs are now (the test was written at 28 of 684;
// gh, plutil, nested agents, home paths and artefact globs brought it to 20). Lower it with every fix; a
// change that raises friction fails here.
const GOAL = 0.03;
const MAX_FRICTION = 20 / 684;

describe("ordinary agent work", () => {
  it("has all 706 commands", () => {
    expect(cases.length).toBe(706);
  });

  it(`prompts on at most ${(MAX_FRICTION * 100).toFixed(1)}% of the commands a supervisor would let run`, () => {
    const allowLines = cases.filter((c) => c.expected === "allow");
    const prompted = allowLines
      .map((c) => ({ c, v: judge(c) }))
      .filter(({ v }) => v.decision !== "allow")
      .map(
        ({ c, v }) =>
          `${c.line}: ${v.decision} [${v.findings.filter((f) => f.risk !== "low").map((f) => f.rule)}] ${c.command.slice(0, 100)}`,
      );
    const share = prompted.length / allowLines.length;
    console.log(
      `ordinary-work friction: ${prompted.length}/${allowLines.length} = ${(share * 100).toFixed(1)}%\n  ${prompted.join("\n  ")}`,
    );
    expect(share, prompted.join("\n")).toBeLessThanOrEqual(MAX_FRICTION);
    expect(MAX_FRICTION).toBeLessThanOrEqual(GOAL);
  });

  // Issue 14's figure: with hook confinement (the default where bubblewrap works), medium risk that runs in
  // the sandbox without network no longer prompts. High and critical keep their decisions.
  it.skipIf(!probeSandbox().ok)("prompts less when hook commands run confined", () => {
    const allowLines = cases.filter((c) => c.expected === "allow");
    const off = allowLines.filter((c) => judge(c).decision !== "allow");
    const on = allowLines.filter((c) => judgeConfined(c).decision !== "allow");
    const askLines = cases.filter((c) => c.expected === "ask");
    const askAllowed = askLines.filter((c) => judgeConfined(c).decision === "allow");
    console.log(
      `ordinary-work friction, hook confinement off: ${off.length}/${allowLines.length} = ${((off.length / allowLines.length) * 100).toFixed(1)}%; on: ${on.length}/${allowLines.length} = ${((on.length / allowLines.length) * 100).toFixed(1)}%\n` +
        `  'ask' lines that run confined without a prompt: ${askAllowed.length}/${askLines.length}\n  ${askAllowed.map((c) => `${c.line}: ${c.command.slice(0, 90)}`).join("\n  ")}`,
    );
    expect(on.length).toBeLessThanOrEqual(off.length);
    for (const c of askAllowed) expect(judge(c).risk, c.command).toBe("medium");
  });

  for (const c of cases.filter((x) => x.expected === "ask")) {
    it(`line ${c.line} still asks: ${c.command.slice(0, 80)}`, () => {
      const v = judge(c);
      expect(v.decision, `${c.note}: ${v.findings.map((f) => f.rule).join(", ")}`).not.toBe("allow");
    });
  }
});
