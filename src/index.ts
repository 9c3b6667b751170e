// The library API: every entry point (CLI, hooks, MCP, plans) goes through evaluate().
import { homedir } from "node:os";
import { decide } from "./policy/index.ts";
import { classify } from "./rules/index.ts";
import { analyze } from "./shell/index.ts";
import type { Analysis, CommandRequest, Finding, RuleContext, Verdict } from "./types.ts";

export { analyze } from "./shell/index.ts";
export { classify, worstRisk } from "./rules/index.ts";
export { decide } from "./policy/index.ts";
export type * from "./types.ts";

export function ruleContext(request: Pick<CommandRequest, "cwd" | "env">): RuleContext {
  const env = request.env ?? {};
  return {
    cwd: request.cwd,
    workspace: request.cwd,
    home: env.HOME ?? homedir(),
    env,
    unknownRisk: "medium",
  };
}

export interface Evaluation {
  analysis: Analysis;
  findings: Finding[];
  verdict: Verdict;
}

export function evaluate(request: CommandRequest): Evaluation {
  const analysis = analyze(request.command);
  const findings = classify(analysis, ruleContext(request));
  return { analysis, findings, verdict: decide(analysis, findings) };
}
