import type { Finding, Invocation, RuleContext } from "../types.ts";

// TODO(owner): the long-tail rule (read verbs low, destructive verbs high, else ctx.unknownRisk).
export function classifyUnknown(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  return [
    {
      risk: ctx.unknownRisk,
      rule: "unknown.command",
      reason: `no rule knows \`${inv.program}\``,
      invocation: index,
    },
  ];
}
