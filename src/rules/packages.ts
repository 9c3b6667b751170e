import type { RulePack } from "./pack.ts";

// TODO(owner): implement. Stub so the registry compiles.
export const packagesPack: RulePack = {
  name: "packages",
  programs: [],
  classify: () => [],
};
