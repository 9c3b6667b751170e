import type { RulePack } from "./pack.ts";

// TODO(owner): implement. Stub so the registry compiles.
export const filesystemPack: RulePack = {
  name: "filesystem",
  programs: [],
  classify: () => [],
};
