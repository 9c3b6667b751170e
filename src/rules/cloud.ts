import type { RulePack } from "./pack.ts";

// TODO(owner): implement. Stub so the registry compiles.
export const cloudPack: RulePack = {
  name: "cloud",
  programs: [],
  classify: () => [],
};
