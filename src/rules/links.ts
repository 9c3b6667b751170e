// Links a command makes for itself: after `ln -s /etc/passwd x`, `echo hi > x` writes /etc/passwd. The
// grammar of `ln` and `cp -s/-l` (which link names which target) is shared with the policy stage, which
// follows the same links when it checks path permissions. The rules follow them lexically: a later
// invocation whose path words name a link (or lie under it) is judged again with the link's target in their
// place, by every pack, so a write, delete or secret read through a link is as risky as one without.
import type { Analysis, Finding, Invocation, RuleContext, Word } from "../types.ts";
import { classifyDerived } from "./nested.ts";
import { isInside, normalize, resolveTarget } from "./paths.ts";
import { isOutputRedirect } from "./redirect.ts";

export interface LinkMade {
  /** Where the link is made (the link name), as written. */
  link: Word;
  /** What it points to, as written. */
  target: Word;
  /** A symbolic link: a relative target is taken from the link's directory (`-r`: from the cwd). */
  symbolic: boolean;
  /** `ln -r`: the target is written relative to the cwd and ln converts it. */
  relative: boolean;
}

const LN_VALUES = new Set(["-t", "--target-directory", "-S", "--suffix"]);
const CP_VALUES = new Set([
  "-t",
  "--target-directory",
  "-S",
  "--suffix",
  "--reflink",
  "--preserve",
  "--sparse",
]);

function basename(text: string): string {
  const trimmed = text.replace(/\/+$/, "");
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

function join(dir: Word, name: string): Word {
  const sep = dir.value.endsWith("/") ? "" : "/";
  return { value: `${dir.value}${sep}${name}`, text: `${dir.text}${sep}${name}`, dynamic: dir.dynamic };
}

/** Operands and options of ln/cp; `-t DIR` comes back as `targetDir`. */
function parse(argv: readonly Word[], values: ReadonlySet<string>) {
  const operands: Word[] = [];
  const flags: string[] = [];
  let targetDir: Word | undefined;
  let rest = false;
  for (let i = 1; i < argv.length; i++) {
    const w = argv[i]!;
    const v = w.value;
    if (rest || v === "-" || !v.startsWith("-") || (w.dynamic && !/^-[A-Za-z-]/.test(w.text))) {
      operands.push(w);
      continue;
    }
    if (v === "--") {
      rest = true;
      continue;
    }
    if (v.startsWith("--target-directory=")) {
      const d = v.slice("--target-directory=".length);
      targetDir = { value: d, text: d, dynamic: w.dynamic };
      continue;
    }
    if (v === "-t" || v === "--target-directory") {
      targetDir = argv[++i];
      continue;
    }
    if (/^-[A-Za-z]*t./.test(v) && !v.startsWith("--")) {
      const d = v.slice(v.indexOf("t") + 1);
      targetDir = { value: d, text: d, dynamic: w.dynamic };
      flags.push(v.slice(0, v.indexOf("t")));
      continue;
    }
    flags.push(v);
    if (!v.includes("=") && values.has(v)) i++;
  }
  const has = (ch: string, long: string) =>
    flags.some((f) => (/^-[A-Za-z]+$/.test(f) && f.includes(ch)) || f === `--${long}`);
  return { operands, targetDir, has };
}

/**
 * The links one invocation makes. `ln TARGET LINK` may also mean "make TARGET's name inside the existing
 * directory LINK": both readings are returned, so a later write through either is followed.
 */
export function linksMade(inv: Invocation): LinkMade[] {
  let symbolic: boolean;
  let relative = false;
  let p: ReturnType<typeof parse>;
  if (inv.program === "ln") {
    p = parse(inv.argv, LN_VALUES);
    symbolic = p.has("s", "symbolic");
    relative = p.has("r", "relative");
  } else if (inv.program === "cp") {
    p = parse(inv.argv, CP_VALUES);
    symbolic = p.has("s", "symbolic-link");
    if (!symbolic && !p.has("l", "link")) return [];
  } else return [];
  const noDir = p.has("T", "no-target-directory");
  const made = (target: Word, link: Word): LinkMade => ({ link, target, symbolic, relative });
  if (p.targetDir !== undefined) return p.operands.map((t) => made(t, join(p.targetDir!, basename(t.value))));
  const ops = p.operands;
  if (ops.length === 0) return [];
  if (ops.length === 1) {
    if (inv.program === "cp") return [];
    return [
      made(ops[0]!, {
        value: basename(ops[0]!.value),
        text: basename(ops[0]!.text),
        dynamic: ops[0]!.dynamic,
      }),
    ];
  }
  const dest = ops[ops.length - 1]!;
  const targets = ops.slice(0, -1);
  if (targets.length > 1) return targets.map((t) => made(t, join(dest, basename(t.value))));
  const target = targets[0]!;
  if (noDir) return [made(target, dest)];
  return [made(target, dest), made(target, join(dest, basename(target.value)))];
}

/** A link as the rules see it: the absolute link path and the absolute target (or text only known at run time). */
interface Known {
  link: string;
  target: { kind: "path"; path: string } | { kind: "dynamic"; text: string };
  text: string;
}

/** Programs that act on the link itself when named exactly (not through it). */
const ON_THE_LINK = new Set([
  "rm",
  "unlink",
  "rmdir",
  "readlink",
  "realpath",
  "ls",
  "stat",
  "lstat",
  "test",
  "[",
  "[[",
  "ln",
  "file",
  "basename",
  "dirname",
  "echo",
  "printf",
]);

const MAX_HOPS = 16;

/** Where `path` really leads after the links made so far, or null when no link is involved. */
function through(
  path: string,
  exact: boolean,
  links: readonly Known[],
): { kind: "path"; path: string; via: Known[] } | { kind: "dynamic"; text: string; via: Known[] } | null {
  let current = path;
  const via: Known[] = [];
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const k = [...links]
      .reverse()
      .find((l) => isInside(current, l.link) || (current === l.link && (exact || hop > 0)));
    if (k === undefined) break;
    via.push(k);
    const rest = current.slice(k.link.length);
    if (k.target.kind === "dynamic") return { kind: "dynamic", text: `${k.target.text}${rest}`, via };
    current = normalize(`${k.target.path}${rest}`, "/");
  }
  return via.length === 0 ? null : { kind: "path", path: current, via };
}

/** The word a path word becomes when followed through the links (null: unchanged). */
function follow(
  word: Word,
  exact: boolean,
  links: readonly Known[],
  ctx: RuleContext,
): { word: Word; via: Known[] } | null {
  // `of=x`, `--output=x`: the value after `=`.
  const eq = word.dynamic ? -1 : word.value.indexOf("=");
  if (eq > 0 && /^-{0,2}[A-Za-z][\w.-]*$/.test(word.value.slice(0, eq))) {
    const inner = follow(
      { value: word.value.slice(eq + 1), text: word.value.slice(eq + 1), dynamic: false },
      true,
      links,
      ctx,
    );
    if (inner === null) return null;
    const key = word.value.slice(0, eq + 1);
    return {
      word: { value: key + inner.word.value, text: key + inner.word.text, dynamic: inner.word.dynamic },
      via: inner.via,
    };
  }
  // `@file` and `<file` (curl -d @file, -F name=@file): the file after the sign.
  if (!word.dynamic && /^[@<]./.test(word.value)) {
    const inner = follow(
      { value: word.value.slice(1), text: word.value.slice(1), dynamic: false },
      true,
      links,
      ctx,
    );
    if (inner === null) return null;
    const sign = word.value[0]!;
    return {
      word: { value: sign + inner.word.value, text: sign + inner.word.text, dynamic: inner.word.dynamic },
      via: inner.via,
    };
  }
  const t = resolveTarget(word, ctx);
  if (t.kind !== "path") return null;
  let glob = "";
  if (t.glob) {
    // Keep the pattern below its literal directory.
    const text = word.dynamic ? word.text : word.value;
    const at = text.search(/[*?[]/);
    glob = text.slice(text.lastIndexOf("/", at) + 1);
  }
  const r = through(t.path, exact || t.glob, links);
  if (r === null) return null;
  if (r.kind === "dynamic") {
    const text = t.glob ? `${r.text}/${glob}` : r.text;
    return { word: { value: "", text, dynamic: true }, via: r.via };
  }
  if (t.glob) {
    const text = `${r.path === "/" ? "" : r.path}/${glob}`;
    return { word: { value: text, text, dynamic: true }, via: r.via };
  }
  return { word: { value: r.path, text: r.path, dynamic: false }, via: r.via };
}

/** Registers what `inv` links, with targets already followed through earlier links (chains). */
function register(inv: Invocation, links: Known[], ctx: RuleContext): void {
  for (const m of linksMade(inv)) {
    const l = resolveTarget(m.link, ctx);
    if (l.kind !== "path" || l.glob) continue;
    const base = m.symbolic && !m.relative ? l.path.slice(0, l.path.lastIndexOf("/")) || "/" : ctx.cwd;
    const t = resolveTarget(m.target, { ...ctx, cwd: base });
    let target: Known["target"];
    if (t.kind === "path" && !t.glob) {
      const r = through(t.path, true, links);
      target =
        r === null ? { kind: "path", path: t.path } : r.kind === "path" ? { kind: "path", path: r.path } : r;
    } else target = { kind: "dynamic", text: m.target.text };
    links.push({ link: l.path, target, text: m.target.text });
  }
}

/** The invocation with every path word that goes through a link replaced by where it leads. */
function rewrite(
  inv: Invocation,
  links: readonly Known[],
  ctx: RuleContext,
): { inv: Invocation; via: Known[] } | null {
  const program = inv.program ?? "";
  const via: Known[] = [];
  let changed = false;
  const positional = inv.argv.map((w, i) => i > 0 && !w.value.startsWith("-"));
  const lastPositional = positional.lastIndexOf(true);
  const argv = inv.argv.map((w, i) => {
    if (i === 0) return w;
    // The link itself, not its target: `rm x`, `ls x`, `mv x elsewhere` (but `mv file x` moves into x's target).
    const exact = !ON_THE_LINK.has(program) && !(program === "mv" && i !== lastPositional);
    const f = follow(w, exact, links, ctx);
    if (f === null) return w;
    changed = true;
    via.push(...f.via);
    return f.word;
  });
  const redirects = inv.redirects.map((r) => {
    if (!isOutputRedirect(r) && !/^\d*<>?$/.test(r.op)) return r;
    const f = follow(r.target, true, links, ctx);
    if (f === null) return r;
    changed = true;
    via.push(...f.via);
    return { ...r, target: f.word };
  });
  return changed ? { inv: { ...inv, argv, redirects }, via } : null;
}

function describe(via: readonly Known[]): string {
  const k = via[0]!;
  const to = k.target.kind === "path" ? k.target.path : `\`${k.target.text}\` (only known at run time)`;
  return `through the link ${k.link} → ${to} made earlier in this command`;
}

/** Findings for invocations that use links made earlier in the same request. */
export function classifyLinks(analysis: Analysis, ctx: RuleContext, findings: readonly Finding[]): Finding[] {
  const links: Known[] = [];
  const derived: Invocation[] = [];
  const origin: { index: number; via: Known[] }[] = [];
  analysis.invocations.forEach((inv, i) => {
    if (links.length > 0) {
      const r = rewrite(inv, links, ctx);
      if (r !== null) {
        derived.push(r.inv);
        origin.push({ index: i, via: r.via });
      }
    }
    register(inv, links, ctx);
  });
  if (derived.length === 0) return [];
  const own = new Set(findings.map((f) => `${f.invocation}\u0000${f.rule}\u0000${f.risk}`));
  const out: Finding[] = [];
  const classified = classifyDerived(
    { source: analysis.source, invocations: derived, notes: [], diagnostics: [] },
    ctx,
  );
  for (const f of classified) {
    if (f.invocation === undefined || f.risk === "low") continue;
    const o = origin[f.invocation]!;
    const key = `${o.index}\u0000${f.rule}\u0000${f.risk}`;
    if (own.has(key)) continue;
    own.add(key);
    const { span: _span, ...rest } = f;
    out.push({ ...rest, invocation: o.index, reason: `${describe(o.via)}: ${f.reason}` });
  }
  return out;
}
