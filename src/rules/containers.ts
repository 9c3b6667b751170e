import type { RulePack } from "./pack.ts";

// TODO(owner): implement. Stub so the registry compiles.
export const containersPack: RulePack = {
  name: "containers",
  programs: [],
  classify: () => [],
};
