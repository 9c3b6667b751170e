// Where a path argument points and how bad it is to delete or overwrite it. Pure: expansion uses only the
// rule context (home, cwd, workspace, env), never the file system, so symlinks are the policy stage's job.

import type { Risk, RuleContext, Word } from "../types.ts";
import { guardPath, holdsGuard } from "./guard-paths.ts";

export type Target =
  /**
   * `path` is absolute and normalised; for a glob it is the literal directory the pattern lives in, and
   * `filtered` says the pattern selects some entries (`*.log`) rather than all of them (`*`, `.*`).
   */
  | { kind: "path"; path: string; glob: boolean; text: string; filtered?: boolean }
  /** Only known at run time; `prefix` is the absolute literal directory it starts in, when there is one. */
  | { kind: "dynamic"; text: string; prefix: string | null };

export interface Judgement {
  /** Rule-id suffix: where the path is (`root`, `home`, `system`, `device`, `startup`, `project`, `git`, `temp`, `outside`, `dynamic`). */
  tag: string;
  risk: Risk;
  /** Plain words: what the path is ("your home directory", "the system directory /etc"). */
  what: string;
}

/** Lexical normalisation against `base`: `.`/`..`/duplicate slashes removed. */
export function normalize(path: string, base: string): string {
  const start = path.startsWith("/") ? path : `${base}/${path}`;
  const parts: string[] = [];
  for (const comp of start.split("/")) {
    if (comp === "" || comp === ".") continue;
    if (comp === "..") parts.pop();
    else parts.push(comp);
  }
  return `/${parts.join("/")}`;
}

/** `path` is `dir` or lies inside it. */
export function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir === "/" ? "/" : `${dir}/`);
}

/** `path` lies strictly inside `dir`. */
export function isInside(path: string, dir: string): boolean {
  return path !== dir && isUnder(path, dir);
}

const VAR = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/;

function variable(name: string, ctx: RuleContext): string | undefined {
  if (name === "HOME") return ctx.home;
  if (name === "PWD") return ctx.cwd;
  const v = ctx.env[name];
  return v === undefined || v === "" ? undefined : v;
}

/**
 * The value a word has at run time as far as the context can tell: quotes removed, `~`, `$HOME`, `$PWD`
 * and variables set in the request's environment expanded. `known` is false when some part (command
 * substitution, unset variables, brace lists, `~user`) cannot be known; `value` then holds the literal
 * prefix before the unknown part.
 */
export function expandWord(word: Word, ctx: RuleContext): { known: boolean; value: string; glob: boolean } {
  if (!word.dynamic) return { known: true, value: word.value, glob: false };
  const text = word.text;
  let out = "";
  let glob = false;
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
      if (text[i - 1] === "$") return { known: false, value: out, glob }; // $'…' escapes
      quote = "'";
      continue;
    }
    if (ch === "$") {
      const m = VAR.exec(text.slice(i));
      const value = m ? variable((m[1] ?? m[2])!, ctx) : undefined;
      if (!m || value === undefined) return { known: false, value: out, glob };
      out += value;
      i += m[0].length - 1;
      continue;
    }
    if (ch === "`") return { known: false, value: out, glob };
    if (quote === null) {
      if (ch === "~" && i === 0) {
        const next = text[1];
        if (next !== undefined && next !== "/") return { known: false, value: out, glob }; // ~user, ~+
        out += ctx.home;
        continue;
      }
      if (ch === "{" && /[,]|\.\./.test(text.slice(i))) return { known: false, value: out, glob };
      if (ch === "*" || ch === "?" || ch === "[") glob = true;
    }
    out += ch;
  }
  if (quote !== null) return { known: false, value: out, glob };
  return { known: true, value: out, glob };
}

/** Where a path word points, resolved against the cwd. */
export function resolveTarget(word: Word, ctx: RuleContext): Target {
  // The shell stage appends an empty dynamic word for arguments that `xargs` reads from its input.
  if (word.dynamic && word.text === "")
    return { kind: "dynamic", text: "(paths read from standard input)", prefix: null };
  const e = expandWord(word, ctx);
  if (!e.known) {
    const slash = e.value.lastIndexOf("/");
    const dir = slash === -1 ? "" : e.value.slice(0, slash + 1);
    // A relative unknown (`$X/…` expands to anything, even an absolute path) has no usable prefix.
    const prefix = dir === "" || (!dir.startsWith("/") && e.value === "") ? null : normalize(dir, ctx.cwd);
    return { kind: "dynamic", text: word.text, prefix };
  }
  if (!e.glob) return { kind: "path", path: normalize(e.value, ctx.cwd), glob: false, text: word.text };
  const at = e.value.search(/[*?[]/);
  const slash = e.value.lastIndexOf("/", at);
  const dir = slash === -1 ? "." : slash === 0 ? "/" : e.value.slice(0, slash);
  const last = e.value.slice(slash + 1);
  const filtered = !last.includes("/") && !/^(\.?\*+|\*\.\*|\.\[!.\]\*|\.\?\*)$/.test(last);
  return { kind: "path", path: normalize(dir, ctx.cwd), glob: true, text: word.text, filtered };
}

/** Directories whose contents the operating system needs; changing them breaks the machine. */
export const SYSTEM_DIRS = [
  "/etc",
  "/usr",
  "/bin",
  "/sbin",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/boot",
  "/sys",
  "/proc",
  "/dev",
  "/var",
  "/opt",
  "/root",
  "/srv",
  "/snap",
  "/System",
  "/Library",
  "/Applications",
  "/private/etc",
  "/private/var",
] as const;

const TEMP_DIRS = ["/tmp", "/var/tmp", "/private/tmp", "/dev/shm"];

/** Devices and descriptors nobody can damage by writing to them. */
const HARMLESS_DEVICES = new Set([
  "/dev/null",
  "/dev/stdout",
  "/dev/stderr",
  "/dev/stdin",
  "/dev/tty",
  "/dev/zero",
  "/dev/full",
  "/dev/random",
  "/dev/urandom",
]);

/** Home-relative files and directories that run code or grant access when changed. */
const HOME_STARTUP = [
  ".bashrc",
  ".bash_profile",
  ".bash_login",
  ".bash_logout",
  ".profile",
  ".zshrc",
  ".zprofile",
  ".zshenv",
  ".zlogin",
  ".config/fish",
  ".config/autostart",
  ".config/systemd",
  ".ssh",
  ".gnupg",
  ".aws",
  ".kube",
  ".config/gcloud",
  ".docker",
  ".gitconfig",
  ".npmrc",
  ".config/warden",
  ".local/state/warden",
  ".local/bin",
];

/** Directories under a project that are rebuilt or re-downloaded at will. */
export const DISPOSABLE_DIRS = new Set([
  "node_modules",
  "dist",
  "build",
  "target",
  ".next",
  ".nuxt",
  ".svelte-kit",
  ".turbo",
  ".parcel-cache",
  ".vite",
  "coverage",
  ".nyc_output",
  "__pycache__",
  ".pytest_cache",
  ".mypy_cache",
  ".ruff_cache",
  ".tox",
  ".venv",
  "venv",
  ".cache",
  "out",
  "tmp",
  "temp",
  ".tmp",
  "bin",
  "obj",
  ".gradle",
  ".angular",
  ".expo",
  "storybook-static",
  "vendor",
  ".terraform",
  "logs",
  "log",
]);

function tempRoot(ctx: RuleContext): string[] {
  const t = ctx.env.TMPDIR;
  return t?.startsWith("/") && t !== "/" ? [...TEMP_DIRS, normalize(t, "/")] : TEMP_DIRS;
}

function inTemp(path: string, ctx: RuleContext): "root" | "inside" | null {
  for (const t of tempRoot(ctx)) {
    if (path === t) return "root";
    if (isInside(path, t)) return "inside";
  }
  return null;
}

function systemDir(path: string): string | null {
  return SYSTEM_DIRS.find((d) => isUnder(path, d)) ?? null;
}

/** Does `path` hold the home directory or the workspace (e.g. `/home`, `/Users/me`)? */
function holdsWork(path: string, ctx: RuleContext): boolean {
  return isInside(ctx.home, path) || isInside(ctx.workspace, path);
}

/**
 * Strictly inside the workspace, where changes are ordinary work. A workspace that is `/` or a bare system
 * directory grants nothing: the project may live in /srv/app, but not be /etc.
 */
function ownWorkspace(path: string, ctx: RuleContext): boolean {
  const ws = ctx.workspace;
  if (ws === "/" || ws === ctx.home || (SYSTEM_DIRS as readonly string[]).includes(ws)) return false;
  return isInside(path, ws);
}

function homeRelative(path: string, ctx: RuleContext): string | null {
  return isInside(path, ctx.home) ? path.slice(ctx.home.length + 1) : null;
}

function startupFile(path: string, ctx: RuleContext): string | null {
  const rel = homeRelative(path, ctx);
  if (rel === null) return null;
  return HOME_STARTUP.find((s) => rel === s || rel.startsWith(`${s}/`)) ?? null;
}

/** Is `path` (inside the workspace) a build output or cache directory, or inside one? */
export function isDisposable(path: string, ctx: RuleContext): boolean {
  if (!isInside(path, ctx.workspace)) return false;
  return path
    .slice(ctx.workspace.length + 1)
    .split("/")
    .some((c) => DISPOSABLE_DIRS.has(c));
}

/**
 * A glob every match of which is a build artefact by its suffix (`*.egg-info`, `*.pyc`, `*.tsbuildinfo`): the
 * pattern's last word must be `*.SUFFIX` with nothing dynamic around it.
 */
const DISPOSABLE_SUFFIXES = /^\*\.(egg-info|dist-info|pyc|pyo|o|obj|class|tsbuildinfo|log)\/?$/;
function disposableGlob(text: string): boolean {
  return DISPOSABLE_SUFFIXES.test(text.replace(/^\.\//, ""));
}

/** `package-lock.json`, `app.log`: `rm -rf` on a name with a file extension deletes a file, not a tree. */
function looksLikeFile(path: string): boolean {
  return /^[^.][^/]*\.[A-Za-z0-9]{1,8}$/.test(path.slice(path.lastIndexOf("/") + 1));
}

/** A deleted hook script runs nothing; deleting `.git/config` is judged as git internals. */
function isHookScript(path: string): boolean {
  return /\/\.(claude|gemini|codex)\/hooks\/|\/\.git\/config$/.test(path);
}

function gitInternals(path: string, ctx: RuleContext): boolean {
  if (!isInside(path, ctx.workspace)) return false;
  const parts = path.slice(ctx.workspace.length + 1).split("/");
  return parts.includes(".git");
}

/**
 * How bad it is to delete `target`. `recursive` means whole trees go (`rm -r`, `find -delete`).
 * Inside the workspace deleting is ordinary work; the home directory, system paths and the filesystem root
 * are not.
 */
export function judgeDelete(target: Target, ctx: RuleContext, recursive: boolean): Judgement {
  if (target.kind === "dynamic") {
    if (target.prefix !== null) {
      const inner = judgeDelete(
        { kind: "path", path: target.prefix, glob: true, text: target.text },
        ctx,
        recursive,
      );
      if (inner.risk === "critical" || inner.risk === "high") return inner;
      return {
        tag: "dynamic",
        risk: recursive ? "medium" : "low",
        what: `\`${target.text}\` (only known at run time, under ${target.prefix})`,
      };
    }
    return {
      tag: "dynamic",
      risk: recursive ? "high" : "medium",
      what: `\`${target.text}\`, a path only known at run time`,
    };
  }
  const p = target.path;
  const glob = target.glob;
  const all = glob ? "everything in " : "";
  if (p === "/")
    return {
      tag: "root",
      risk: "critical",
      what: glob ? "everything under the filesystem root" : "the whole filesystem",
    };
  if (p === ctx.home) return { tag: "home", risk: "critical", what: `${all}your home directory` };
  if (p === ctx.workspace) {
    if (glob && target.filtered && disposableGlob(target.text))
      return {
        tag: "project",
        risk: "low",
        what: `${target.text}, build artefacts at the top of your project`,
      };
    if (glob && target.filtered)
      return {
        tag: "project",
        risk: recursive ? "medium" : "low",
        what: `${target.text} at the top of your project`,
      };
    if (glob)
      return {
        tag: "project",
        risk: recursive ? "high" : "medium",
        what: "every file at the top of your project",
      };
    return { tag: "project", risk: "high", what: "your whole project directory" };
  }
  if (holdsWork(p, ctx))
    return { tag: "home", risk: "critical", what: `${all}${p}, which holds your home or project` };
  // Deleting the guard's configuration switches it off as surely as rewriting it; a deleted hook script does not.
  const guard = recursive ? holdsGuard(p, ctx) : guardPath(p, ctx, "delete");
  if (guard !== null && guard.risk !== "low" && guard.risk !== "medium" && !isHookScript(p))
    return { tag: "guard", ...guard };
  if (ownWorkspace(p, ctx)) {
    if (gitInternals(p, ctx)) {
      const rel = p.slice(ctx.workspace.length + 1);
      if (rel === ".git") return { tag: "git", risk: "high", what: "the project's git history (.git)" };
      return { tag: "git", risk: "medium", what: `${rel} inside the git repository's internals` };
    }
    if (!recursive || isDisposable(p, ctx) || looksLikeFile(p))
      return { tag: "project", risk: "low", what: `${p} in your project` };
    return {
      tag: "project",
      risk: "medium",
      what: `the directory ${p.slice(ctx.workspace.length + 1)} in your project`,
    };
  }
  const temp = inTemp(p, ctx);
  if (temp === "inside") return { tag: "temp", risk: "low", what: `${p} in temporary space` };
  if (temp === "root")
    return {
      tag: "temp",
      risk: recursive ? "medium" : "low",
      what: `${all}the temporary directory ${p}`,
    };
  const sys = systemDir(p);
  if (sys !== null)
    return {
      tag: "system",
      risk: "critical",
      what: p === sys ? `the system directory ${p}` : `${p} in the system directory ${sys}`,
    };
  if (p === ctx.cwd)
    return {
      tag: "outside",
      risk: "high",
      what: glob ? `everything in the current directory ${p}` : `the current directory ${p}`,
    };
  const rel = homeRelative(p, ctx);
  if (rel !== null) {
    const start = startupFile(p, ctx);
    if (start !== null)
      return {
        tag: "startup",
        risk: "critical",
        what: `~/${rel} (${start === rel ? "" : "inside "}~/${start})`,
      };
    if (!rel.includes("/")) {
      if (recursive || glob)
        return { tag: "home", risk: "critical", what: `${all}~/${rel}, a top-level folder of your home` };
      return { tag: "home", risk: "medium", what: `~/${rel} in your home directory` };
    }
    return { tag: "outside", risk: recursive ? "high" : "medium", what: `~/${rel}, outside your project` };
  }
  if (/^\/(home|Users)\/[^/]+$/.test(p))
    return { tag: "home", risk: "critical", what: `${all}the home directory ${p}` };
  if (p.split("/").length <= 2 && recursive)
    return { tag: "system", risk: "critical", what: `${all}the top-level directory ${p}` };
  return { tag: "outside", risk: recursive ? "high" : "medium", what: `${p}, outside your project` };
}

/** A block device or memory device: writing to it destroys data below the file system. */
export function isRawDevice(path: string): boolean {
  return (
    isInside(path, "/dev") &&
    !HARMLESS_DEVICES.has(path) &&
    !isUnder(path, "/dev/fd") &&
    !isUnder(path, "/dev/shm") &&
    !/^\/dev\/(pts\/|tty)/.test(path)
  );
}

/** How bad it is to overwrite or append to `target` (redirects, tee, cp/mv destinations, dd of=). */
export function judgeWrite(target: Target, ctx: RuleContext): Judgement {
  if (target.kind === "dynamic") {
    if (target.prefix !== null) {
      const inner = judgeWrite({ kind: "path", path: target.prefix, glob: false, text: target.text }, ctx);
      if (inner.risk !== "low") return inner;
    }
    return { tag: "dynamic", risk: "medium", what: `\`${target.text}\`, a path only known at run time` };
  }
  const p = target.path;
  const guard = guardPath(p, ctx);
  if (guard !== null) return { tag: "guard", ...guard };
  if (p === "/" || holdsWork(p, ctx))
    return {
      tag: "root",
      risk: "critical",
      what: p === "/" ? "the root of the filesystem" : `${p}, which holds your home or project`,
    };
  if (HARMLESS_DEVICES.has(p) || isUnder(p, "/dev/fd") || /^\/dev\/(pts\/|tty)/.test(p))
    return { tag: "device", risk: "low", what: p };
  if (isRawDevice(p))
    return { tag: "device", risk: "critical", what: `the device ${p} (raw disk or memory)` };
  if (ownWorkspace(p, ctx)) {
    const rel = p.slice(ctx.workspace.length + 1);
    if (/(^|\/)\.git\/hooks(\/|$)/.test(rel))
      return { tag: "startup", risk: "high", what: `the git hook ${rel}, which runs on every git command` };
    return { tag: "project", risk: "low", what: `${rel} in your project` };
  }
  if (inTemp(p, ctx) !== null) return { tag: "temp", risk: "low", what: `${p} in temporary space` };
  const sys = systemDir(p);
  if (sys !== null) return { tag: "system", risk: "critical", what: `the system file ${p}` };
  if (p === ctx.workspace) return { tag: "project", risk: "medium", what: "your project directory itself" };
  const start = startupFile(p, ctx);
  if (start !== null) {
    const rel = homeRelative(p, ctx)!;
    if (rel === ".ssh/authorized_keys" || rel.startsWith(".ssh/authorized_keys"))
      return {
        tag: "startup",
        risk: "critical",
        what: "~/.ssh/authorized_keys, which decides who can log in as you",
      };
    return {
      tag: "startup",
      risk: "high",
      what: `~/${rel}, which runs code or grants access outside this session`,
    };
  }
  return { tag: "outside", risk: "high", what: `${p}, outside your project` };
}
