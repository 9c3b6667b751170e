// A command named by a path in the home directory (`~/bin/tool`, `$HOME/.local/bin/uv`, `${HOME}/x`) is the
// program at that path: the rules know the home directory, so the name is not dynamic. Programs the shell
// stage would look into (wrappers such as `env` or `xargs`, shells) keep the dynamic-command rule, because that
// stage only unwraps what it can name; so do interpreters fed by a pipe.
import { wrapperNames } from "../shell/wrappers.ts";
import type { Invocation, RuleContext } from "../types.ts";
import { expandWord } from "./paths.ts";

const LOOKED_INTO = new Set(wrapperNames());
const INTERPRETER =
  /^(python[\d.]*|pypy[\d.]*|node|nodejs|deno|bun|ruby|perl|php|lua|luajit|Rscript|osascript|tclsh|wish)$/;

/** The basename `inv` runs when its dynamic command name is a literal path under the home directory, else null. */
export function homeProgram(inv: Invocation, ctx: RuleContext): string | null {
  const head = inv.argv[0];
  if (head === undefined) return null;
  const m = /^"?(~|\$HOME|\$\{HOME\})"?\//.exec(head.text);
  if (m === null || /[$`]/.test(head.text.slice(m[0].length))) return null;
  const e = expandWord(head, ctx);
  if (!e.known || e.glob || !e.value.startsWith(`${ctx.home}/`)) return null;
  const name = e.value.slice(e.value.lastIndexOf("/") + 1);
  if (name === "" || LOOKED_INTO.has(name)) return null;
  if (inv.stdin !== null && INTERPRETER.test(name)) return null;
  return name;
}
