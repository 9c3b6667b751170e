// Findings that need more than one invocation of the request: a write through a symlink the command made
// earlier, a secret read in one command reaching a network client in another.
import type { Analysis, Finding, RuleContext } from "../types.ts";

/** Called once per classified analysis by the registry, after every invocation was classified on its own. */
export function classifySequence(
  _analysis: Analysis,
  _ctx: RuleContext,
  _findings: readonly Finding[],
): Finding[] {
  return [];
}
