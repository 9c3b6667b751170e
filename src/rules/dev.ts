import type { RulePack } from "./pack.ts";

// TODO(owner): implement. Stub so the registry compiles.
export const devPack: RulePack = {
  name: "dev",
  programs: [],
  classify: () => [],
};
