// `extends: infra-lockdown`: agents get no infrastructure tooling at all (the seeds' blocklist).
import type { PolicyDocument } from "../document.ts";

export const INFRA_PROGRAMS = [
  "ansible",
  "ansible-playbook",
  "ansible-vault",
  "ansible-inventory",
  "ansible-galaxy",
  "ansible-config",
  "vagrant",
  "docker",
  "tart",
  "aws",
  "hcloud",
];

export const infraLockdownTemplate: PolicyDocument = {
  extends: "default",
  blocklists: [
    {
      programs: INFRA_PROGRAMS,
      reason: "infrastructure tooling is blocked for agent accounts (infra-lockdown)",
    },
  ],
};
