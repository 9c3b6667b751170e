// `extends: devops`: kubectl/aws read tiers run, changes ask, high risk needs a dry run first.
import type { PolicyDocument } from "../document.ts";

const DRY_RUN = "a dry run changes nothing";

export const devopsTemplate: PolicyDocument = {
  extends: "default",
  decisions: { low: "allow", medium: "ask", high: "deny", critical: "deny" },
  rules: [
    { match: "kubectl * --dry-run*", risk: "medium", reason: DRY_RUN, override: true },
    { match: "helm * --dry-run*", risk: "medium", reason: DRY_RUN, override: true },
    { match: "aws * --dry-run", risk: "medium", reason: DRY_RUN, override: true },
    { match: "terraform plan", risk: "low", reason: "terraform plan only reads state", override: true },
    {
      program: "kubectl",
      subcommand: [
        "get",
        "describe",
        "logs",
        "top",
        "explain",
        "api-resources",
        "api-versions",
        "version",
        "cluster-info",
      ],
      risk: "low",
      reason: "kubectl read tier",
    },
    {
      program: "kubectl",
      subcommand: ["apply", "create", "patch", "scale", "rollout", "set", "label", "annotate"],
      risk: "medium",
      reason: "kubectl change tier",
    },
    {
      program: "kubectl",
      subcommand: ["delete", "drain", "cordon", "replace", "edit"],
      risk: "high",
      reason: "kubectl destructive tier: run it with --dry-run first",
    },
    { program: "aws", regex: "^aws \\S+ (describe|list|get)-", risk: "low", reason: "aws read tier" },
  ],
  production: {
    namespaces: ["production", "prod", "live"],
    contexts: ["*prod*", "*live*"],
    action: "raise",
  },
};
