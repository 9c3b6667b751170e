import type { Finding, Invocation, RuleContext } from "../types.ts";

/**
 * A rule pack knows one tool family's grammar. It is a pure function of the invocation and the
 * context: no I/O, no policy. `programs` lists the basenames it handles; "*" packs (redirections,
 * secrets) look at every invocation.
 */
export interface RulePack {
  name: string;
  programs: readonly string[] | "*";
  classify(inv: Invocation, ctx: RuleContext, index: number): Finding[];
}
