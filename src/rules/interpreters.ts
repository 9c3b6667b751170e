import type { RulePack } from "./pack.ts";

// TODO(owner): implement. Stub so the registry compiles.
export const interpretersPack: RulePack = {
  name: "interpreters",
  programs: [],
  classify: () => [],
};
