import type { RulePack } from "./pack.ts";

// TODO(owner): implement. Stub so the registry compiles.
export const secretsPack: RulePack = {
  name: "secrets",
  programs: "*",
  classify: () => [],
};
