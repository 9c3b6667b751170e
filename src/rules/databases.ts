import type { RulePack } from "./pack.ts";

// TODO(owner): implement. Stub so the registry compiles.
export const databasesPack: RulePack = {
  name: "databases",
  programs: [],
  classify: () => [],
};
