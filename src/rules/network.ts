import type { RulePack } from "./pack.ts";

// TODO(owner): implement. Stub so the registry compiles.
export const networkPack: RulePack = {
  name: "network",
  programs: [],
  classify: () => [],
};
