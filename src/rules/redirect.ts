import type { RulePack } from "./pack.ts";

// TODO(owner): implement. Stub so the registry compiles.
export const redirectPack: RulePack = {
  name: "redirect",
  programs: "*",
  classify: () => [],
};
