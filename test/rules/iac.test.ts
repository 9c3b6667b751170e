import { describe, expect, it } from "vitest";
import { riskOf, riskOfCommand } from "./argv.ts";

const a = (s: string): string[] => s.split(" ");

describe("iac pack", () => {
  it.each([
    ["terraform plan", "low"],
    ["terraform -chdir=infra plan -var-file=prod.tfvars", "low"],
    ["terraform state list", "low"],
    ["terraform apply", "medium"],
    ["terraform apply tfplan", "medium"],
    ["terraform destroy", "high"],
    ["terraform apply -auto-approve", "critical"],
    ["terraform apply --auto-approve", "critical"],
    ["terraform apply -auto-approve=false", "medium"],
    ["terraform destroy -auto-approve", "critical"],
    ["terraform apply -destroy", "high"],
    ["terraform state rm a.b", "critical"],
    ["terraform force-unlock 1", "critical"],
    ["terraform workspace delete dev", "critical"],
    ["tofu destroy -auto-approve", "critical"],
    ["terragrunt run-all destroy", "high"],
    ["pulumi preview", "low"],
    ["pulumi up -y", "high"],
    ["pulumi destroy --yes", "critical"],
    ["ansible-playbook -i inv site.yml -C", "low"],
    ["ansible-playbook -i inv site.yml", "high"],
    ["ansible all -m ping", "low"],
    ["ansible all -m shell -a id", "high"],
    ["ansible all -a id", "high"],
    ["ansible all -m apt -a name=git", "medium"],
    ["vagrant status", "low"],
    ["vagrant destroy", "high"],
    ["cdk synth", "low"],
    ["cdk destroy --force", "critical"],
    ["serverless remove", "high"],
  ] as const)("%s → %s", (cmd, risk) => {
    expect(riskOf(a(cmd))).toBe(risk);
  });

  it("a run-time argument might be -auto-approve", () => {
    expect(riskOf(["terraform", "apply", "$FLAGS"])).toBe("medium");
    expect(riskOf(["terraform", "plan", "$FLAGS"])).toBe("medium");
  });

  it("works end to end through the shell stage", () => {
    expect(riskOfCommand("terraform plan -out=tfplan && terraform apply -auto-approve")).toBe("critical");
  });
});
