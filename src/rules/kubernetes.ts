import type { RulePack } from "./pack.ts";

// TODO(owner): implement. Stub so the registry compiles.
export const kubernetesPack: RulePack = {
  name: "kubernetes",
  programs: [],
  classify: () => [],
};
