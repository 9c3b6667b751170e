// The workspace's own code: files its git index tracks and programs its manifests declare. Running them is
// the project's own work, judged like `npm test` (which runs the same code): low, unless the name says it
// reaches beyond the working tree (deploy, release, migrate …), which stays a question.
import type { Finding, RuleContext } from "../types.ts";
import { isInside } from "./paths.ts";
import { finding } from "./util.ts";

/** Script and program names that change things beyond the working tree (shared with package scripts). */
export const RISKY_SCRIPT =
  /deploy|release|publish|destroy|drop|reset|seed|migrate|prod|rollback|nuke|wipe|purge/i;

/** `path` (absolute) is a file the workspace's git tracks. */
export function isOwnFile(path: string, ctx: RuleContext): boolean {
  return ctx.project !== undefined && isInside(path, ctx.workspace) && ctx.project.tracks(path);
}

function judged(what: string, name: string, index: number, paths?: string[]): Finding[] {
  const extra = paths ? { paths } : {};
  if (RISKY_SCRIPT.test(name))
    return [
      finding(
        "medium",
        "workspace.own-code-risky",
        `runs ${what}, whose name suggests it changes more than the working tree`,
        index,
        extra,
      ),
    ];
  return [
    finding(
      "low",
      "workspace.own-code",
      `runs ${what} (the project's own code, like \`npm test\`)`,
      index,
      extra,
    ),
  ];
}

/** A script file the workspace tracks, run by an interpreter or directly; null when it is not the project's. */
export function ownScript(path: string, shown: string, ctx: RuleContext, index: number): Finding[] | null {
  if (!isOwnFile(path, ctx)) return null;
  return judged(`the workspace's script ${shown}`, shown.split("/").pop() ?? shown, index, [path]);
}

/** A program the workspace's manifests declare (package.json `bin`, pyproject `[project.scripts]`). */
export function ownProgram(name: string, ctx: RuleContext, index: number): Finding[] | null {
  if (ctx.project === undefined || !ctx.project.declaresBin(name)) return null;
  return judged(`\`${name}\`, a program the workspace's manifest declares`, name, index);
}

/** `python -m NAME`: a module whose source the workspace tracks, found from the cwd as Python would. */
export function ownPythonModule(module: string, ctx: RuleContext, index: number): Finding[] | null {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(module)) return null;
  const rel = module.replaceAll(".", "/");
  for (const base of [ctx.cwd, `${ctx.cwd}/src`]) {
    for (const file of [`${rel}.py`, `${rel}/__main__.py`, `${rel}/__init__.py`]) {
      if (isOwnFile(`${base}/${file}`, ctx))
        return judged(`the workspace's Python module ${module}`, module, index, [`${base}/${file}`]);
    }
  }
  return null;
}

/** `requests[socks]>=2.1` → `requests` (PEP 503 names compare lowercased, `_` and `.` as `-`). */
export const pythonPackageName = (spec: string) =>
  (/^[A-Za-z0-9][A-Za-z0-9._-]*/.exec(spec)?.[0] ?? "").toLowerCase().replace(/[._]+/g, "-");

/** Every named package is one the workspace's manifest already declares: installing it adds nothing new. */
export function allDeclared(
  specs: readonly string[],
  name: (spec: string) => string,
  ctx: RuleContext | undefined,
): boolean {
  const project = ctx?.project;
  return (
    project !== undefined &&
    specs.length > 0 &&
    specs.every((s) => name(s) !== "" && project.declaresDependency(name(s)))
  );
}
