import type { RulePack } from "./pack.ts";

// TODO(owner): implement. Stub so the registry compiles.
export const iacPack: RulePack = {
  name: "iac",
  programs: [],
  classify: () => [],
};
