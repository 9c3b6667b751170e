// TODO(owner: policy): YAML policies, layers, path permissions, profiles, modes (issue 3).
// Until then: the built-in mapping low→allow, medium/high→ask, critical→deny.
import { createHash } from "node:crypto";
import { worstRisk } from "../rules/index.ts";
import type { Analysis, Decision, Finding, Risk, Verdict } from "../types.ts";

const DEFAULT_MAPPING: Record<Risk, Decision> = { low: "allow", medium: "ask", high: "ask", critical: "deny" };
const DEFAULT_POLICY_HASH = createHash("sha256").update(JSON.stringify(DEFAULT_MAPPING)).digest("hex");

export function decide(analysis: Analysis, findings: Finding[]): Verdict {
  const risk = worstRisk(findings);
  const decision = DEFAULT_MAPPING[risk];
  return {
    decision,
    risk,
    findings,
    forbidden: false,
    parse: analysis.diagnostics.length > 0 ? "error" : "ok",
    diagnostics: analysis.diagnostics.map((d) => d.message),
    policy: DEFAULT_POLICY_HASH,
    reasons: [`built-in mapping: ${risk} → ${decision}`],
    mode: "normal",
  };
}
