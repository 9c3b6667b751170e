// Facts about the workspace's own code, for rules that treat running it like `npm test`: which files its
// git index tracks, which programs and dependencies its manifests declare. Read lazily, on the first
// question, and bounded; never by running git or any other program in the workspace.
import { readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import type { ProjectFacts } from "../types.ts";
import { hashBytes, readIndexPaths } from "./git-index.ts";
import { type Declared, readDeclared } from "./manifests.ts";

const MAX_PARENT_STEPS = 64;

interface GitLocation {
  workTree: string;
  gitDir: string;
}

/** The git work tree holding `dir` and its git dir (`.git` directory, or the file a worktree leaves). */
export function findGit(dir: string): GitLocation | null {
  let current = dir;
  for (let i = 0; i < MAX_PARENT_STEPS; i++) {
    const dotGit = `${current}/.git`;
    let st: ReturnType<typeof statSync> | undefined;
    try {
      st = statSync(dotGit);
    } catch {
      st = undefined;
    }
    if (st?.isDirectory()) return { workTree: current, gitDir: dotGit };
    if (st?.isFile()) {
      try {
        const m = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(dotGit, "utf8").slice(0, 4096));
        if (m) return { workTree: current, gitDir: isAbsolute(m[1]!) ? m[1]! : resolve(current, m[1]!) };
      } catch {
        // unreadable: no repository known here
      }
      return null;
    }
    const parent = dirname(current);
    if (parent === current) return null;
    current = parent;
  }
  return null;
}

function realOrNull(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

const within = (path: string, dir: string) =>
  path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);

/** Facts read from the disk under `workspace` (an absolute path). */
export function projectFacts(workspace: string): ProjectFacts {
  let tracked: { root: string; paths: Set<string> } | null | undefined;
  let declared: Declared | undefined;
  let realWorkspace: string | null | undefined;
  const loadTracked = () => {
    if (tracked !== undefined) return tracked;
    const git = findGit(workspace);
    const root = git && realOrNull(git.workTree);
    const paths = git && root ? readIndexPaths(`${git.gitDir}/index`, hashBytes(git.gitDir)) : null;
    tracked = root && paths ? { root, paths } : null;
    return tracked;
  };
  return {
    tracks(path: string): boolean {
      realWorkspace ??= realOrNull(workspace);
      const real = realOrNull(path);
      if (realWorkspace === null || real === null || !within(real, realWorkspace)) return false;
      const index = loadTracked();
      if (index === null || !within(real, index.root)) return false;
      return index.paths.has(relative(index.root, real).split(sep).join("/"));
    },
    declaresBin(name: string): boolean {
      declared ??= readDeclared(workspace);
      return declared.bins.has(name);
    },
    declaresDependency(name: string): boolean {
      declared ??= readDeclared(workspace);
      return declared.dependencies.has(name) || declared.dependencies.has(name.toLowerCase());
    },
  };
}

/** Facts given as data (a fixture of a workspace that is not on this disk, or a cache another process built). */
export function projectFactsFrom(data: {
  root: string;
  tracked?: readonly string[];
  bins?: readonly string[];
  dependencies?: readonly string[];
}): ProjectFacts {
  const tracked = new Set(data.tracked ?? []);
  const bins = new Set(data.bins ?? []);
  const deps = new Set(data.dependencies ?? []);
  const root = data.root.replace(/\/+$/, "");
  return {
    tracks: (path) => path.startsWith(`${root}/`) && tracked.has(path.slice(root.length + 1)),
    declaresBin: (name) => bins.has(name),
    declaresDependency: (name) => deps.has(name) || deps.has(name.toLowerCase()),
  };
}
