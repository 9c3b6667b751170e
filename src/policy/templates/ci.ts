// `extends: ci`: nobody is there to approve; what would ask is denied.
import type { PolicyDocument } from "../document.ts";

export const ciTemplate: PolicyDocument = {
  extends: "default",
  approvals: false,
};
