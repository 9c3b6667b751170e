// Turns a shell word into the absolute path the kernel would touch: quotes removed, `~` and `$HOME`
// expanded from the request's environment, `..` walked physically and symlinks of the existing prefix
// followed (a workspace link to /etc *is* /etc). Anything else only known at run time fails closed.
import { lstatSync, readlinkSync, type Stats } from "node:fs";
import { isAbsolute } from "node:path";
import type { Word } from "../types.ts";

export type StaticPath =
  | { kind: "path"; path: string }
  /** A glob: `path` is the literal directory the pattern descends from. */
  | { kind: "glob"; path: string }
  | { kind: "dynamic"; text: string };

/**
 * The literal value of a word, expanding only `~`, `~/…`, `$HOME` and `${HOME}`. Globs keep their
 * literal directory prefix. Returns "dynamic" for every other expansion.
 */
export function staticPath(word: Word, home: string): StaticPath {
  const sp = staticPathParts(word, home);
  return sp.kind === "glob" ? { kind: "glob", path: sp.path } : sp;
}

/** `staticPath`, with a glob's pattern below its literal directory as `rest` (`/etc/*.conf` → `*.conf`). */
export function staticPathParts(
  word: Word,
  home: string,
): Exclude<StaticPath, { kind: "glob" }> | { kind: "glob"; path: string; rest: string } {
  if (!word.dynamic) return { kind: "path", path: word.value };
  const text = word.text;
  let out = "";
  let globAt = -1;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote === "'") {
      if (ch === "'") quote = null;
      else out += ch;
      continue;
    }
    if (ch === "\\" && i + 1 < text.length) {
      out += text[++i];
      continue;
    }
    if (ch === '"') {
      quote = quote === '"' ? null : '"';
      continue;
    }
    if (ch === "'" && quote === null) {
      quote = "'";
      continue;
    }
    if (ch === "$") {
      const m = /^\$(?:HOME\b|\{HOME\})/.exec(text.slice(i));
      if (!m) return { kind: "dynamic", text };
      out += home;
      i += m[0].length - 1;
      continue;
    }
    if (ch === "`") return { kind: "dynamic", text };
    if (quote === null) {
      if (ch === "~" && i === 0) {
        const next = text[1];
        if (next !== undefined && next !== "/") return { kind: "dynamic", text }; // ~user
        out += home;
        continue;
      }
      if (ch === "{" && /[,.]/.test(text.slice(i))) return { kind: "dynamic", text };
      if ((ch === "*" || ch === "?" || ch === "[") && globAt === -1) globAt = out.length;
    }
    out += ch;
  }
  if (quote !== null) return { kind: "dynamic", text };
  if (globAt === -1) return { kind: "path", path: out };
  const slash = out.lastIndexOf("/", globAt);
  return {
    kind: "glob",
    path: slash === -1 ? "." : slash === 0 ? "/" : out.slice(0, slash),
    rest: out.slice(slash + 1),
  };
}

const MAX_LINKS = 40;

/**
 * Physical resolution, as the kernel walks a path: components left to right, `..` applied to the
 * resolved parent, symlinks substituted while the prefix exists; the missing remainder stays lexical.
 * `cache` (per request) spares repeated lstat calls for shared prefixes.
 */
export function resolvePhysical(
  path: string,
  cwd: string,
  cache?: Map<string, string>,
  cwdIsPhysical = false,
): string {
  const absolute = isAbsolute(path);
  const start = absolute ? path : `${cwd}/${path}`;
  const cached = cache?.get(start);
  if (cached !== undefined) return cached;
  // A cwd already resolved physically need not be walked again: only the relative part is.
  const relativeToKnown = !absolute && cwdIsPhysical;
  const pending = (relativeToKnown ? path : start).split("/").reverse();
  const parts: string[] = relativeToKnown ? cwd.split("/").filter(Boolean) : [];
  let exists = true;
  let links = 0;
  while (pending.length > 0) {
    const comp = pending.pop()!;
    if (comp === "" || comp === ".") continue;
    if (comp === "..") {
      parts.pop();
      continue;
    }
    parts.push(comp);
    if (!exists) continue;
    const current = `/${parts.join("/")}`;
    let target: string | null = null;
    const st = lstatOrMissing(current);
    if (st === undefined) {
      exists = false;
      continue;
    }
    if (st.isSymbolicLink()) {
      try {
        target = readlinkSync(current);
      } catch {
        exists = false;
        continue;
      }
    }
    if (target === null) continue;
    if (++links > MAX_LINKS) {
      exists = false;
      continue;
    }
    parts.pop();
    if (target.startsWith("/")) parts.length = 0;
    pending.push(...target.split("/").reverse());
  }
  const resolved = `/${parts.join("/")}`;
  cache?.set(start, resolved);
  return resolved;
}

/**
 * lstat that treats every failure as "not there": a word like `README.md/foo` (ENOTDIR), a component over
 * NAME_MAX (ENAMETOOLONG), an unreadable directory (EACCES) or a link loop only mean the rest of the path
 * is judged lexically. No exceptions on the common "does not exist" path: they cost more than the syscall.
 */
function lstatOrMissing(path: string): Stats | undefined {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** Lexical normalisation (for configured roots and patterns that may not exist on this host). */
export function normalizeLexical(path: string, cwd: string): string {
  const start = isAbsolute(path) ? path : `${cwd}/${path}`;
  const parts: string[] = [];
  for (const comp of start.split("/")) {
    if (comp === "" || comp === ".") continue;
    if (comp === "..") parts.pop();
    else parts.push(comp);
  }
  return `/${parts.join("/")}`;
}
