// Findings that need more than one invocation of the request: a write through a symlink the command made
// earlier (links.ts), a secret read in one command reaching a network client in another (flows.ts).
import type { Analysis, Finding, RuleContext } from "../types.ts";
import { classifyFlows } from "./flows.ts";
import { classifyLinks } from "./links.ts";
import { classifyingDerived } from "./nested.ts";

/** Called once per classified analysis by the registry, after every invocation was classified on its own. */
export function classifySequence(
  analysis: Analysis,
  ctx: RuleContext,
  findings: readonly Finding[],
): Finding[] {
  if (classifyingDerived()) return [];
  const links = analysis.invocations.length < 2 ? [] : classifyLinks(analysis, ctx, findings);
  return [...links, ...classifyFlows(analysis, ctx, links.length > 0 ? [...findings, ...links] : findings)];
}
