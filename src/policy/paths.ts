// Which paths an invocation reads, writes or deletes, from the tool's own grammar. Shared by the policy
// (path permissions, secrets), the sandbox and the file-operation tracker: keep it free of policy.
import { type LinkMade, linksMade } from "../rules/links.ts";
import type { Analysis, Invocation, Word } from "../types.ts";

export type PathOp = "read" | "write" | "delete";

export interface PathEffect {
  op: PathOp;
  word: Word;
  /** Index of the invocation in the analysis. */
  invocation: number;
  /** Directory a relative path is taken from (after `cd DIR` or `git -C DIR`), if not the request's cwd. */
  base?: string;
  /** What the path is to the tool, for messages: `rm target`, `redirect >`, `cp destination`. */
  role: string;
  /** Links made by earlier invocations of the same request (`ln -s /etc x`), oldest first: follow them. */
  links?: readonly MadeLink[];
}

/** A link an earlier invocation makes, with the directory its relative words are taken from. */
export interface MadeLink extends LinkMade {
  base?: string;
}

/** Devices and descriptors that are not files anyone could damage. */
const HARMLESS = new Set([
  "/dev/null",
  "/dev/stdout",
  "/dev/stderr",
  "/dev/stdin",
  "/dev/tty",
  "/dev/zero",
  "-",
]);

interface Parsed {
  /** Non-option words (values of options listed as taking one are skipped). */
  positional: Word[];
  /** Options in order with their value word, if any (`--x=v` splits into a synthetic word). */
  options: { name: string; value?: Word }[];
}

/** Splits argv[1..] into options and positionals; `takesValue` lists options whose value is the next word. */
function parseArgs(argv: readonly Word[], takesValue: ReadonlySet<string> = EMPTY): Parsed {
  const positional: Word[] = [];
  const options: Parsed["options"] = [];
  let rest = false;
  for (let i = 1; i < argv.length; i++) {
    const w = argv[i]!;
    const v = w.value;
    if (rest || v === "-" || !v.startsWith("-") || w.dynamic) {
      positional.push(w);
      continue;
    }
    if (v === "--") {
      rest = true;
      continue;
    }
    const eq = v.indexOf("=");
    if (v.startsWith("--") && eq !== -1) {
      options.push({
        name: v.slice(0, eq),
        value: { value: v.slice(eq + 1), text: v.slice(eq + 1), dynamic: false },
      });
      continue;
    }
    if (takesValue.has(v) && i + 1 < argv.length) {
      options.push({ name: v, value: argv[++i]! });
      continue;
    }
    // A bundled short option ending in a value-taking letter (`-tDIR` or `-t DIR`).
    if (!v.startsWith("--") && v.length > 2) {
      for (let j = 1; j < v.length; j++) {
        const flag = `-${v[j]}`;
        if (takesValue.has(flag)) {
          const attached = v.slice(j + 1);
          if (attached)
            options.push({ name: flag, value: { value: attached, text: attached, dynamic: false } });
          else if (i + 1 < argv.length) options.push({ name: flag, value: argv[++i]! });
          break;
        }
        options.push({ name: flag });
      }
      continue;
    }
    options.push({ name: v });
  }
  return { positional, options };
}

const EMPTY: ReadonlySet<string> = new Set();
const set = (...xs: string[]): ReadonlySet<string> => new Set(xs);

function optionValues(p: Parsed, ...names: string[]): Word[] {
  return p.options.filter((o) => names.includes(o.name) && o.value).map((o) => o.value!);
}
function hasOption(p: Parsed, ...names: string[]): boolean {
  return p.options.some((o) => names.includes(o.name));
}

type Extractor = (inv: Invocation, add: (op: PathOp, w: Word, role: string) => void) => void;

const RM_VALUES = set();
const CP_VALUES = set("-t", "--target-directory", "-S", "--suffix");
const CHMOD_VALUES = set("--reference");
const TRUNCATE_VALUES = set("-s", "--size", "-r", "--reference");
const SED_VALUES = set("-e", "--expression", "-f", "--file", "-l", "--line-length");
const INSTALL_VALUES = set(
  "-m",
  "--mode",
  "-o",
  "--owner",
  "-g",
  "--group",
  "-t",
  "--target-directory",
  "-S",
  "--suffix",
);
const RSYNC_VALUES = set(
  "-e",
  "--rsh",
  "--exclude",
  "--include",
  "--filter",
  "-f",
  "--exclude-from",
  "--include-from",
  "--files-from",
  "--chmod",
  "--chown",
  "-T",
  "--temp-dir",
  "--backup-dir",
  "--compare-dest",
  "--link-dest",
  "--log-file",
  "--password-file",
  "--port",
);
const MKDIR_VALUES = set("-m", "--mode");
const TEE_VALUES = set("--output-error");
const LN_VALUES = set("-t", "--target-directory", "-S", "--suffix");

/** Copies and moves: sources, then a destination (`-t DIR` names it up front). */
function copyLike(sourceOp: PathOp | null): Extractor {
  return (inv, add) => {
    const p = parseArgs(inv.argv, CP_VALUES);
    const target = optionValues(p, "-t", "--target-directory");
    const sources = target.length > 0 ? p.positional : p.positional.slice(0, -1);
    const dest = target.length > 0 ? target : p.positional.slice(-1);
    if (p.positional.length + target.length < 2) return;
    for (const s of sources) {
      add("read", s, `${inv.program} source`);
      if (sourceOp) add(sourceOp, s, `${inv.program} source`);
    }
    for (const d of dest) add("write", d, `${inv.program} destination`);
  };
}

function allPositional(op: PathOp, values: ReadonlySet<string> = EMPTY, skip = 0): Extractor {
  return (inv, add) => {
    const p = parseArgs(inv.argv, values);
    for (const w of p.positional.slice(skip)) add(op, w, `${inv.program} target`);
  };
}

/** Read-only subcommands of git: `git -C DIR status` reads DIR, anything else may write it. */
const GIT_READS = set(
  "status",
  "log",
  "diff",
  "show",
  "blame",
  "grep",
  "ls-files",
  "rev-parse",
  "describe",
  "shortlog",
  "reflog",
  "cat-file",
  "ls-tree",
  "version",
  "help",
);
const GIT_GLOBAL_VALUES = set(
  "-C",
  "-c",
  "--git-dir",
  "--work-tree",
  "--namespace",
  "--exec-path",
  "--config-env",
);

const READERS = set(
  "cat",
  "less",
  "more",
  "head",
  "tail",
  "bat",
  "batcat",
  "nl",
  "tac",
  "xxd",
  "hexdump",
  "od",
  "strings",
  "base64",
  "md5sum",
  "sha1sum",
  "sha256sum",
  "sha512sum",
  "wc",
  "file",
  "stat",
  "source",
  ".",
  "diff",
  "cmp",
  "jq",
  "yq",
  "view",
  "vi",
  "vim",
  "nano",
  "code",
  "emacs",
  "open",
  "xdg-open",
  "grep",
  "rg",
  "ag",
  "awk",
  "gawk",
  "cut",
  "sort",
  "uniq",
  "strings",
  "openssl",
  "gpg",
  "ssh-keygen",
  "scp",
  "sftp",
  "curl",
  "wget",
  "python",
  "python3",
  "node",
  "ruby",
  "perl",
  "bash",
  "sh",
  "zsh",
  "tar",
  "zip",
  "unzip",
  "gzip",
  "zcat",
);

/** Programs that only print or inspect names: their arguments are data, not contents read (`echo .env`, `ls ~/.ssh`). */
const NAME_ONLY = set(
  "echo",
  "printf",
  "ls",
  "mkdir",
  "which",
  "type",
  "basename",
  "dirname",
  "realpath",
  "readlink",
  "test",
  "[",
  "[[",
  "du",
  "command",
);

/** Search tools whose first operand is a pattern, not a file (unless the pattern comes from -e/-f). */
const PATTERN_FIRST = set("grep", "egrep", "fgrep", "rg", "ag", "ack");
const PATTERN_OPTIONS = /^(-e|-f|--regexp|--file)(=|$)|^-[A-Za-z]*[ef]$/;

const EXTRACTORS: Record<string, Extractor> = {
  rm: allPositional("delete", RM_VALUES),
  rmdir: allPositional("delete"),
  unlink: allPositional("delete"),
  shred: allPositional("delete", set("-n", "--iterations", "-s", "--size", "--random-source")),
  mv: copyLike("delete"),
  cp: copyLike(null),
  ln: (inv, add) => {
    const p = parseArgs(inv.argv, LN_VALUES);
    const target = optionValues(p, "-t", "--target-directory");
    if (target.length > 0) for (const t of target) add("write", t, "ln directory");
    else if (p.positional.length >= 2) add("write", p.positional.at(-1)!, "ln link name");
    else if (p.positional.length === 1)
      add("write", { value: ".", text: ".", dynamic: false }, "ln link name");
  },
  touch: allPositional("write", set("-r", "--reference", "-d", "--date", "-t")),
  mkdir: allPositional("write", MKDIR_VALUES),
  chmod: (inv, add) => {
    const p = parseArgs(inv.argv, CHMOD_VALUES);
    const skip = hasOption(p, "--reference") ? 0 : 1;
    for (const w of p.positional.slice(skip)) add("write", w, "chmod target");
  },
  chown: allPositional("write", set("--reference", "--from"), 1),
  chgrp: allPositional("write", set("--reference"), 1),
  chattr: allPositional("write", EMPTY, 1),
  truncate: allPositional("write", TRUNCATE_VALUES),
  tee: allPositional("write", TEE_VALUES),
  dd: (inv, add) => {
    for (const w of inv.argv.slice(1)) {
      const m = /^(if|of)=(.*)$/s.exec(w.value);
      if (!m) continue;
      const word: Word = { value: m[2]!, text: w.text.replace(/^(if|of)=/, ""), dynamic: w.dynamic };
      add(m[1] === "of" ? "write" : "read", word, `dd ${m[1]}=`);
    }
  },
  sed: (inv, add) => {
    const p = parseArgs(inv.argv, SED_VALUES);
    const inPlace = p.options.some(
      (o) => /^-[a-zA-Z]*i/.test(o.name) || o.name.startsWith("--in-place") || o.name === "-i",
    );
    const scripted = hasOption(p, "-e", "--expression", "-f", "--file");
    const files = scripted ? p.positional : p.positional.slice(1);
    for (const f of files) add(inPlace ? "write" : "read", f, inPlace ? "sed -i file" : "sed input");
  },
  install: (inv, add) => {
    const p = parseArgs(inv.argv, INSTALL_VALUES);
    const target = optionValues(p, "-t", "--target-directory");
    if (hasOption(p, "-d", "--directory")) for (const w of p.positional) add("write", w, "install directory");
    else if (target.length > 0) for (const t of target) add("write", t, "install destination");
    else if (p.positional.length >= 2) add("write", p.positional.at(-1)!, "install destination");
  },
  rsync: (inv, add) => {
    const p = parseArgs(inv.argv, RSYNC_VALUES);
    if (p.positional.length < 2) return;
    const dest = p.positional.at(-1)!;
    // `host:path` and `rsync://` destinations are another machine's business.
    if (/^[^/]*:/.test(dest.value)) return;
    add("write", dest, "rsync destination");
    if (p.options.some((o) => o.name.startsWith("--delete") || o.name === "--remove-source-files"))
      add("delete", dest, "rsync --delete destination");
    for (const s of p.positional.slice(0, -1)) if (!/^[^/]*:/.test(s.value)) add("read", s, "rsync source");
  },
  find: (inv, add) => {
    const roots: Word[] = [];
    let i = 1;
    while (i < inv.argv.length && /^-[HLP]$|^-O\d$|^-D$/.test(inv.argv[i]!.value))
      i += inv.argv[i]!.value === "-D" ? 2 : 1;
    for (; i < inv.argv.length; i++) {
      const v = inv.argv[i]!.value;
      if (v.startsWith("-") || v === "(" || v === "!" || v === "(") break;
      roots.push(inv.argv[i]!);
    }
    const expr = inv.argv.slice(i).map((w) => w.value);
    if (roots.length === 0) roots.push({ value: ".", text: ".", dynamic: false });
    const deletes = expr.includes("-delete");
    const acted = execPrograms(expr);
    const acts = acted.length > 0;
    // `-exec wc -l {} +` only reads what it matches; any other program may change it.
    const onlyReads = acts && acted.every((p) => READ_ONLY_EXEC.has(p));
    for (const r of roots) {
      // Actions apply to what find matches below the root, not to the root itself: judge a child path so
      // `find . -delete` inside the workspace is workspace work, and `find /etc -delete` is not.
      const below: Word = { ...r, value: `${r.value.replace(/\/+$/, "")}/\u2026` };
      if (deletes) add("delete", below, "find -delete root");
      else if (onlyReads) add("read", below, "find -exec root (read-only command)");
      else if (acts) add("write", below, "find -exec root");
      else add("read", r, "find root");
    }
    for (let j = 0; j < expr.length - 1; j++)
      if (/^-f(print0?|printf|ls)$/.test(expr[j]!))
        add("write", inv.argv[i + j + 1]!, `find ${expr[j]} file`);
  },
  git: (inv, add) => {
    const p = parseArgs(inv.argv, GIT_GLOBAL_VALUES);
    const sub = p.positional[0]?.value;
    for (const dir of optionValues(p, "-C"))
      add(sub && GIT_READS.has(sub) ? "read" : "write", dir, "git -C directory");
  },
};

/** Path-looking arguments of any program count as reads (secrets: "reads by any program count"). */
function looksLikePath(w: Word): boolean {
  const v = w.value;
  if (w.dynamic) return /^(~|\$HOME|\$\{HOME\}|"\$HOME)/.test(w.text);
  return (
    v.includes("/") ||
    v.startsWith(".") ||
    v.startsWith("~") ||
    /\.(pem|key|p12|pfx|env)$/.test(v) ||
    /^id_/.test(v)
  );
}

/**
 * Paths one invocation touches. `cd`-style context changes are handled by `analysisEffects`;
 * redirections are included here.
 */
export function invocationEffects(inv: Invocation, index: number, base?: string): PathEffect[] {
  const out: PathEffect[] = [];
  const add = (op: PathOp, word: Word, role: string) => {
    if (!word.dynamic && HARMLESS.has(word.value)) return;
    out.push(
      base === undefined
        ? { op, word, invocation: index, role }
        : { op, word, invocation: index, role, base },
    );
  };
  const extractor =
    inv.program !== null && Object.hasOwn(EXTRACTORS, inv.program) ? EXTRACTORS[inv.program] : undefined;
  if (extractor) extractor(inv, add);
  else if (inv.program !== null && !NAME_ONLY.has(inv.program)) {
    const reader = READERS.has(inv.program);
    let patternPending =
      PATTERN_FIRST.has(inv.program) && !inv.argv.some((w) => PATTERN_OPTIONS.test(w.value));
    for (const w of inv.argv.slice(1)) {
      const eq = w.value.indexOf("=");
      if (w.value.startsWith("-") && eq !== -1 && !w.dynamic) {
        const v = w.value.slice(eq + 1);
        const sub: Word = { value: v, text: v, dynamic: false };
        if (looksLikePath(sub)) add("read", sub, `${inv.program} argument`);
        continue;
      }
      if (w.value.startsWith("-") && !w.dynamic) continue;
      if (patternPending) {
        patternPending = false;
        continue;
      }
      if (reader || looksLikePath(w)) add("read", w, `${inv.program} argument`);
    }
  }
  for (const r of inv.redirects) {
    const op = r.op.replace(/^\d+/, "");
    if (op.startsWith(">&") || op.startsWith("<&") || op === "<<" || op === "<<-" || op === "<<<") continue;
    if (/^&?>>?\|?$|^>\|$/.test(op)) add("write", r.target, `redirect ${r.op}`);
    else if (op === "<" || op === "<>") add("read", r.target, `redirect ${r.op}`);
  }
  return out;
}

/**
 * Paths every invocation touches, in order. A literal `cd DIR` moves the base of relative paths for the
 * invocations after it at the same nesting (the shell runs a list left to right in one process).
 */
export function analysisEffects(analysis: Analysis): PathEffect[] {
  const out: PathEffect[] = [];
  const bases = new Map<string, string>();
  // Links are file-system state, not shell state: every later invocation sees them, whatever its nesting.
  const links: MadeLink[] = [];
  analysis.invocations.forEach((inv, i) => {
    // `builtin cd` / `command cd` change the directory of the list they stand in, like a bare `cd`.
    const via =
      inv.program === "cd" && /^(builtin|command)$/.test(inv.via.at(-1) ?? "")
        ? inv.via.slice(0, -1)
        : inv.via;
    const scope = via.join("\u0000");
    const base = bases.get(scope);
    if ((inv.program === "cd" || inv.program === "pushd") && inv.argv.length >= 2) {
      const target = inv.argv.filter((w, j) => j > 0 && !w.value.startsWith("-")).at(-1);
      if (target && !target.dynamic) bases.set(scope, joinBase(base, target.value));
      else if (target) bases.set(scope, `\u0000dynamic:${target.text}`);
      return;
    }
    const snapshot = links.length > 0 ? links.slice() : undefined;
    for (const e of invocationEffects(inv, i, base)) out.push(snapshot ? { ...e, links: snapshot } : e);
    for (const m of linksMade(inv)) links.push(base === undefined ? m : { ...m, base });
  });
  return out;
}

function joinBase(base: string | undefined, dir: string): string {
  if (dir.startsWith("/") || dir.startsWith("~") || base === undefined) return dir;
  return `${base}/${dir}`;
}

/** Programs that only read the files `find -exec` hands them (no option of theirs writes a named file). */
const READ_ONLY_EXEC = new Set([
  "wc",
  "cat",
  "head",
  "tail",
  "grep",
  "egrep",
  "fgrep",
  "rg",
  "ls",
  "stat",
  "file",
  "md5sum",
  "sha1sum",
  "sha256sum",
  "sha512sum",
  "du",
  "echo",
  "basename",
  "dirname",
  "realpath",
  "readlink",
  "cmp",
  "strings",
  "od",
  "xxd",
  "hexdump",
]);

/** The program of each `-exec`/`-execdir`/`-ok`/`-okdir` action, by its basename ("" when dynamic or absent). */
function execPrograms(expr: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < expr.length; i++)
    if (/^-(exec|execdir|ok|okdir)$/.test(expr[i]!)) out.push((expr[i + 1] ?? "").split("/").pop() ?? "");
  return out;
}
