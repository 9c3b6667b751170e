import type { RulePack } from "./pack.ts";

// TODO(owner): implement. Stub so the registry compiles.
export const gitPack: RulePack = {
  name: "git",
  programs: [],
  classify: () => [],
};
