// Classifying shell text found inside another program's code (`os.system("rm -rf /")`, a here-doc fed to
// bash). The registry registers its own classify() here, so packs can recurse without an import cycle.
import { analyze } from "../shell/index.ts";
import type { Analysis, Finding, RuleContext } from "../types.ts";

type Classifier = (analysis: Analysis, ctx: RuleContext) => Finding[];

let classifier: Classifier | null = null;
let depth = 0;
const MAX_DEPTH = 4;

/** Called once by the registry (src/rules/index.ts). */
export function setNestedClassifier(fn: Classifier): void {
  classifier = fn;
}

/**
 * Findings for shell `text` run by invocation `index`, re-attributed to that invocation and prefixed with
 * `how` ("the Python code runs a shell command"). Too deep or unavailable: one high finding, never silence.
 */
export function classifyShellText(text: string, ctx: RuleContext, index: number, how: string): Finding[] {
  if (classifier === null || depth >= MAX_DEPTH) {
    return [
      {
        risk: "high",
        rule: "interpreters.nested-unchecked",
        reason: `${how} that could not be checked`,
        invocation: index,
      },
    ];
  }
  depth++;
  try {
    const findings = classifier(analyze(text), ctx);
    return findings
      .filter((f) => f.risk !== "low")
      .map((f) => {
        const { span: _span, ...rest } = f;
        return { ...rest, invocation: index, reason: `${how}: ${f.reason}` };
      });
  } catch {
    return [
      {
        risk: "high",
        rule: "interpreters.nested-unchecked",
        reason: `${how} that could not be analysed`,
        invocation: index,
      },
    ];
  } finally {
    depth--;
  }
}

let deriving = 0;

/**
 * Findings for invocations derived from the request's own (the same words with link targets in place of
 * link names): every pack judges them as usual. Cross-invocation passes do not run on them again.
 */
export function classifyDerived(analysis: Analysis, ctx: RuleContext): Finding[] {
  if (classifier === null)
    return analysis.invocations.map((_, i) => ({
      risk: "high" as const,
      rule: "interpreters.nested-unchecked",
      reason: "a command derived from this one could not be checked",
      invocation: i,
    }));
  deriving++;
  try {
    return classifier(analysis, ctx);
  } finally {
    deriving--;
  }
}

/** True while `classifyDerived` runs (the sequence passes skip derived analyses). */
export function classifyingDerived(): boolean {
  return deriving > 0;
}
