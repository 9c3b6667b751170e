// Builds invocations from argv arrays, so pack tests do not depend on the shell parser's progress.

import { classify, worstRisk } from "../../src/rules/index.ts";
import { analyze } from "../../src/shell/index.ts";
import type { Finding, Invocation, Risk, RuleContext, Word } from "../../src/types.ts";

export const CTX: RuleContext = {
  cwd: "/home/agent/project",
  home: "/home/agent",
  workspace: "/home/agent/project",
  env: {},
  unknownRisk: "medium",
};

const word = (value: string): Word => ({ value, text: value, dynamic: /^\$|\$\(|^~/.test(value) });

export interface InvocationExtras {
  assignments?: Record<string, string>;
  stdinText?: string;
  stdin?: Invocation["stdin"];
}

export function inv(argv: readonly string[], extras: InvocationExtras = {}): Invocation {
  const words = argv.map(word);
  const first = words[0]!;
  return {
    argv: words,
    program: first.dynamic ? null : first.value.split("/").pop()!,
    via: [],
    redirects: [],
    assignments: Object.entries(extras.assignments ?? {}).map(([name, value]) => ({
      name,
      value: word(value),
    })),
    stdin: extras.stdin ?? (extras.stdinText !== undefined ? "heredoc" : null),
    ...(extras.stdinText !== undefined ? { stdinText: extras.stdinText } : {}),
    span: [0, argv.join(" ").length],
  };
}

/** Findings for one invocation through the real registry (so routing by program is tested too). */
export function findingsOf(argv: readonly string[], extras: InvocationExtras = {}): Finding[] {
  const invocation = inv(argv, extras);
  return classify({ source: argv.join(" "), invocations: [invocation], notes: [], diagnostics: [] }, CTX);
}

export function riskOf(argv: readonly string[], extras: InvocationExtras = {}): Risk {
  return worstRisk(findingsOf(argv, extras));
}

/** The rule ids of the worst findings. */
export function rulesOf(argv: readonly string[], extras: InvocationExtras = {}): string[] {
  const f = findingsOf(argv, extras);
  const worst = worstRisk(f);
  return f.filter((x) => x.risk === worst).map((x) => x.rule);
}

/** End to end through the shell stage: for simple space-separated commands. */
export function riskOfCommand(command: string): Risk {
  return worstRisk(classify(analyze(command), CTX));
}
