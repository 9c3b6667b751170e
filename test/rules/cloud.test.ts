import { describe, expect, it } from "vitest";
import { cloudTarget } from "../../src/rules/cloud.ts";
import { inv, riskOf, riskOfCommand } from "./argv.ts";

const a = (s: string): string[] => s.split(" ");

describe("cloud pack", () => {
  it.each([
    ["aws sts get-caller-identity", "low"],
    ["aws s3 ls", "low"],
    ["aws --profile p --region r --output json ec2 describe-instances", "low"],
    ["aws s3 cp dist/ s3://b/ --recursive", "medium"],
    ["aws ec2 run-instances --image-id x", "medium"],
    ["aws --profile p --region r ec2 terminate-instances --instance-ids i-1", "high"],
    ["aws s3 rm s3://b --recursive", "high"],
    ["aws s3 rb s3://b --force", "high"],
    ["aws s3 sync . s3://b --delete", "high"],
    ["aws secretsmanager get-secret-value --secret-id x", "high"],
    ["aws ssm get-parameters-by-path --path /a --with-decryption", "high"],
    ["aws iam attach-role-policy --role-name r --policy-arn a", "critical"],
    ["aws kms schedule-key-deletion --key-id k", "critical"],
    ["aws rds delete-db-cluster --db-cluster-identifier c --skip-final-snapshot", "critical"],
    ["aws ec2 terminate-instances --instance-ids i-1 --dry-run", "low"],
    ["gcloud compute instances list", "low"],
    ["gcloud --project p --quiet compute instances delete vm --zone z", "high"],
    ["gcloud projects add-iam-policy-binding p --member m --role r", "critical"],
    ["gcloud secrets versions access latest --secret s", "high"],
    ["gcloud projects delete p", "critical"],
    ["az group delete -n rg --yes", "critical"],
    ["az role assignment create --assignee x --role Owner", "critical"],
    ["az vm list", "low"],
    ["hcloud server delete web", "high"],
    ["doctl compute droplet list", "low"],
  ] as const)("%s → %s", (cmd, risk) => {
    expect(riskOf(a(cmd))).toBe(risk);
  });

  it("exposes profile, region, project and subscription", () => {
    expect(cloudTarget(inv(a("aws --profile prod --region eu-west-1 s3 ls")))).toEqual({
      provider: "aws",
      profile: "prod",
      region: "eu-west-1",
    });
    expect(cloudTarget(inv(a("aws s3 ls"), { assignments: { AWS_PROFILE: "prod" } }))?.profile).toBe("prod");
    expect(cloudTarget(inv(a("gcloud compute instances list --project=shop-prod")))?.project).toBe(
      "shop-prod",
    );
    expect(cloudTarget(inv(a("az vm list --subscription s-1")))?.subscription).toBe("s-1");
    expect(cloudTarget(inv(a("kubectl get po")))).toBeUndefined();
  });

  it("works end to end through the shell stage", () => {
    expect(riskOfCommand("aws s3 ls s3://bucket/ --recursive | head")).toBe("low");
  });
});
