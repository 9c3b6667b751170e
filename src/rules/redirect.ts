// Output redirections of any command: `>`, `>>`, `>|`, `&>`, `2>` truncate or append to their target,
// so writing onto a disk device, a system file or a start-up file is as bad as `dd` or `tee` there.
import type { Finding, Redirect } from "../types.ts";
import type { RulePack } from "./pack.ts";
import { judgeWrite, resolveTarget } from "./paths.ts";
import { finding } from "./util.ts";

/** Does this redirect open its target for writing (and not merely duplicate a descriptor)? */
export function isOutputRedirect(r: Redirect): boolean {
  const op = r.op;
  if (!op.includes(">")) return false;
  // `2>&1`, `>&2`, `>&-`: descriptor duplication, not a file.
  if (op.endsWith("&") || op.endsWith(">&")) return !/^(\d+|-)$/.test(r.target.value) || r.target.dynamic;
  return true;
}

export const redirectPack: RulePack = {
  name: "redirect",
  programs: "*",
  classify(inv, ctx, index) {
    const out: Finding[] = [];
    for (const r of inv.redirects) {
      if (!isOutputRedirect(r)) continue;
      const target = resolveTarget(r.target, ctx);
      const j = judgeWrite(target, ctx);
      if (j.risk === "low") continue;
      const append = r.op.includes(">>");
      const verb = append ? "appends to" : "overwrites";
      out.push(
        finding(j.risk, `redirect.write-${j.tag}`, `output redirection ${verb} ${j.what}`, index, {
          paths: [target.kind === "path" ? target.path : target.text],
        }),
      );
    }
    return out;
  },
};
