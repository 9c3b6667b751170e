import type { RulePack } from "./pack.ts";

// TODO(owner): implement. Stub so the registry compiles.
export const privilegePack: RulePack = {
  name: "privilege",
  programs: [],
  classify: () => [],
};
