// `extends: strict`: unknown commands ask, high risk is refused, secrets are never read.
import type { PolicyDocument } from "../document.ts";

export const strictTemplate: PolicyDocument = {
  extends: "default",
  unknown: "medium",
  decisions: { low: "allow", medium: "ask", high: "deny", critical: "deny" },
  secrets: { decision: "deny" },
  paths: { decision: "ask" },
  production: { action: "deny" },
};
