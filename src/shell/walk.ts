// The AST walk: visits every node that can execute, turns simple commands into invocations, follows wrappers
// and re-parses payloads. State lives in one Walker per analysis.

import {
  type Word as AstWord,
  type Command,
  forEachChild,
  type HereDoc,
  type ParsedScript,
  parse,
  type Redirection,
  type SyntaxNode,
} from "unbash";
import type { Assignment, Diagnostic, Invocation, Note, NoteKind, Redirect, Word } from "../types.ts";
import type { AssignedVariable, Flows, Substitution } from "./flows.ts";
import { childFrame, type Frame, mapEnd, mapOffset } from "./frame.ts";
import { interpreterReadsStdin, SHELLS, shellMode, trapAction } from "./payloads.ts";
import {
  hereDocValue,
  joinWords,
  payloadFrame,
  programName,
  type RWord,
  resolveAssignmentValue,
  resolveAssignmentWord,
  resolveWord,
} from "./words.ts";
import { type Inner, unwrap } from "./wrappers.ts";

/** Where a command's stdin comes from, as far as it can carry code. */
interface Input {
  readonly kind: "pipe" | "heredoc" | "herestring" | "file";
  /** The literal body (here-doc, here-string) or file name. */
  readonly text: string;
  readonly dynamic: boolean;
  /** Frame of the body, for re-parsing it. */
  readonly frame: Frame | undefined;
  /** For a pipe: the invocations of the previous pipeline stage (whose output it carries). */
  readonly from?: readonly number[];
}

interface Ctx {
  /** The text node offsets index (the request, a re-parsed payload, or a decoded backtick body). */
  readonly text: string;
  readonly frame: Frame;
  readonly via: string[];
  readonly input: Input | null;
}

function pipeFrom(from: readonly number[]): Input {
  return { kind: "pipe", text: "", dynamic: false, frame: undefined, from };
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}

/** Variables whose value names a program (or code) that some tool runs later. */
export const ENV_PROGRAM_VARS: ReadonlySet<string> = new Set([
  "BASH_ENV",
  "ENV",
  "LD_PRELOAD",
  "LD_LIBRARY_PATH",
  "LD_AUDIT",
  "DYLD_INSERT_LIBRARIES",
  "DYLD_LIBRARY_PATH",
  "PAGER",
  "GIT_PAGER",
  "MANPAGER",
  "SYSTEMD_PAGER",
  "EDITOR",
  "VISUAL",
  "GIT_EDITOR",
  "SUDO_EDITOR",
  "FCEDIT",
  "BROWSER",
  "GIT_SSH",
  "GIT_SSH_COMMAND",
  "GIT_EXTERNAL_DIFF",
  "GIT_ASKPASS",
  "SSH_ASKPASS",
  "SUDO_ASKPASS",
  "GIT_PROXY_COMMAND",
  "GIT_SEQUENCE_EDITOR",
  "PROMPT_COMMAND",
  "PS0",
  "PS1",
  "PS2",
  "PS4",
  "LESSOPEN",
  "LESSCLOSE",
  "RSYNC_RSH",
  "CVS_RSH",
  "PYTHONSTARTUP",
  "PERL5OPT",
  "RUBYOPT",
  "NODE_OPTIONS",
  "SHELLOPTS",
  "BASHOPTS",
]);

const NO_ASSIGNMENTS: Assignment[] = [];

/** A bash 5.3 `${ cmd; }` ends with a `}` in command position: after `;`, `&`, a newline, `}` or `)`. */
function funsubClosed(text: string): boolean {
  if (text.charCodeAt(text.length - 1) !== 125 /* } */) return false;
  let i = text.length - 2;
  while (i > 1 && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i--;
  const c = text[i];
  return c === ";" || c === "&" || c === "\n" || c === "}" || c === ")";
}

/** Only blanks and line continuations between `from` and `to`. */
function blank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) continue;
    if (c === 92 && text.charCodeAt(i + 1) === 10) {
      i++;
      continue;
    }
    return false;
  }
  return true;
}

export class Walker {
  readonly invocations: Invocation[] = [];
  readonly notes: Note[] = [];
  readonly diagnostics: Diagnostic[] = [];
  /** Data relations between the invocations (src/shell/flows.ts), filled as they are emitted. */
  private readonly stdinFrom: number[][] = [];
  private readonly substitution: (Substitution | null)[] = [];
  private readonly wrapper: (number | null)[] = [];
  private readonly variables: AssignedVariable[] = [];
  /** Invocations found inside `>(…)`: the command they stand in writes into them. */
  private readonly writtenInto = new Set<number>();
  private readonly functions = new Set<string>();
  private readonly reported = new Set<string>();
  private depth = 0;
  private inTest = 0;
  private extglob = false;

  constructor(private readonly maxDepth: number) {}

  run(source: string, frame: Frame): void {
    this.script(parse(source), { text: source, frame, via: [], input: null });
  }

  flows(): Flows {
    return {
      stdinFrom: this.stdinFrom,
      substitution: this.substitution,
      wrapper: this.wrapper,
      variables: this.variables,
    };
  }

  /** Invocations in [from, now) not yet attributed: `into` is the command line they were substituted into. */
  private substituted(from: number, into: number): void {
    for (let j = from; j < into; j++) {
      if (this.substitution[j] !== null) continue;
      this.substitution[j] = { into, kind: this.writtenInto.has(j) ? "input" : "output" };
    }
  }

  /** Invocations in [from, now) not yet attributed run under wrapper `idx`. */
  private wrapped(from: number, idx: number): void {
    for (let j = from; j < this.invocations.length; j++) if (this.wrapper[j] === null) this.wrapper[j] = idx;
  }

  private assigned(list: readonly Assignment[], from: number, visibleFrom: number): void {
    if (from >= visibleFrom) return;
    const sources = range(from, visibleFrom);
    for (const a of list)
      if (a.value.dynamic) this.variables.push({ name: a.name, from: sources, visibleFrom });
  }

  /** Notes that need the whole picture: calls of functions defined anywhere in the request. */
  finish(): void {
    if (this.functions.size === 0) return;
    for (let i = 0; i < this.invocations.length; i++) {
      const inv = this.invocations[i]!;
      if (inv.program !== null && this.functions.has(inv.program)) {
        this.note("function-called", inv.program, inv.span, i);
      }
    }
  }

  private note(kind: NoteKind, detail: string, span: [number, number], invocation?: number): void {
    this.notes.push(invocation === undefined ? { kind, detail, span } : { kind, invocation, detail, span });
  }

  private diagnose(kind: Diagnostic["kind"], message: string, span: [number, number]): void {
    const key = `${kind}:${span[0]}:${message}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.diagnostics.push({ kind, message, span });
  }

  /** Enters one nesting level; false (with a diagnostic) past the bound, and the caller must not descend. */
  private enter(frame: Frame, pos: number, end: number): boolean {
    if (this.depth >= this.maxDepth) {
      this.diagnose("depth", `nesting deeper than ${this.maxDepth} levels is not analysed`, [
        mapOffset(frame, pos),
        mapEnd(frame, end),
      ]);
      return false;
    }
    this.depth++;
    return true;
  }

  private script(script: ParsedScript, ctx: Ctx): void {
    const errors = script.errors;
    if (errors !== undefined) {
      for (const e of errors) {
        const at = mapOffset(ctx.frame, e.pos);
        this.diagnose("parse", e.message, [at, Math.min(at + 1, ctx.frame.hi)]);
      }
    }
    for (const statement of script.commands) this.visit(statement.command, ctx);
  }

  private visit(node: SyntaxNode, ctx: Ctx): void {
    switch (node.type) {
      case "Command":
        this.command(node, ctx);
        return;
      case "AndOr":
        for (const c of node.commands) this.visit(c, ctx);
        return;
      case "Pipeline": {
        let from: number[] = [];
        for (let i = 0; i < node.commands.length; i++) {
          const start = this.invocations.length;
          this.visit(node.commands[i]!, i === 0 ? ctx : { ...ctx, input: pipeFrom(from) });
          from = range(start, this.invocations.length);
        }
        return;
      }
      case "Statement":
        this.visit(node.command, ctx);
        return;
      case "CompoundList":
        for (const s of node.commands) this.visit(s.command, ctx);
        return;
      case "Script":
        this.script(node, ctx);
        return;
      case "CommandExpansion":
      case "ProcessSubstitution":
      case "ArithmeticCommandExpansion": {
        // unbash 6.0.4 reports no error for an unterminated bash 5.3 `${ cmd; }` and drops its text.
        if (node.type === "CommandExpansion" && node.text.startsWith("${") && !funsubClosed(node.text)) {
          this.diagnose("parse", "unterminated ${ command substitution", [
            mapOffset(ctx.frame, node.pos),
            mapEnd(ctx.frame, node.end),
          ]);
        }
        const script = node.script;
        if (script === undefined || !this.enter(ctx.frame, node.pos, node.end)) return;
        // Escaped backticks are decoded into a new string; its offsets are approximately those after the backtick.
        const inner =
          script.source === undefined
            ? ctx
            : {
                ...ctx,
                text: script.source,
                frame: childFrame(ctx.frame, node.pos + 1, node.pos, node.end, true),
              };
        const start = this.invocations.length;
        this.script(script, inner);
        if (node.type === "ProcessSubstitution" && node.operator === ">")
          for (let j = start; j < this.invocations.length; j++) this.writtenInto.add(j);
        this.depth--;
        return;
      }
      case "Function": {
        const name = node.name.value;
        this.functions.add(name);
        this.note("function-defined", name, [mapOffset(ctx.frame, node.pos), mapEnd(ctx.frame, node.end)]);
        if (!this.enter(ctx.frame, node.pos, node.end)) return;
        this.visit(node.body, ctx);
        this.depth--;
        return;
      }
      case "Redirected": {
        let input = ctx.input;
        const sink: Redirect[] = [];
        for (const r of node.redirects) input = this.redirect(r, ctx, sink, input);
        this.visit(node.command, input === ctx.input ? ctx : { ...ctx, input });
        return;
      }
      case "TestCommand":
        this.inTest++;
        forEachChild(node, (child) => this.visit(child, ctx));
        this.inTest--;
        return;
      case "ExtendedGlob":
        if (this.inTest === 0 && !this.extglob) {
          this.diagnose(
            "parse",
            `extended glob ${node.text} is a syntax error unless 'shopt -s extglob' is set`,
            [mapOffset(ctx.frame, node.pos), mapEnd(ctx.frame, node.end)],
          );
        }
        forEachChild(node, (child) => this.visit(child, ctx));
        return;
      case "Word":
        if (node.parts !== undefined) forEachChild(node, (child) => this.visit(child, ctx));
        return;
      case "Literal":
      case "SingleQuoted":
      case "AnsiCQuoted":
      case "SimpleExpansion":
        return;
      case "Subshell":
      case "BraceGroup":
      case "If":
      case "While":
      case "For":
      case "Select":
      case "Case":
      case "ArithmeticFor":
      case "Coproc":
        if (!this.enter(ctx.frame, node.pos, node.end)) return;
        forEachChild(node, (child) => this.visit(child, ctx));
        this.depth--;
        return;
      default:
        forEachChild(node, (child) => this.visit(child, ctx));
    }
  }

  /** Resolves a word and walks the substitutions inside it (they run before the command). */
  private word(node: AstWord, ctx: Ctx): RWord {
    const r = resolveWord(node, ctx.frame);
    if (r.word.dynamic && node.parts !== undefined) this.visit(node, ctx);
    return r;
  }

  private command(node: Command, ctx: Ctx): void {
    const frame = ctx.frame;
    const before = this.invocations.length;
    let assignments: Assignment[] | undefined;
    const redirects: Redirect[] = [];
    let input = ctx.input;
    for (const p of node.prefix) {
      if (p.type === "Assignment") {
        if (assignments === undefined) assignments = [];
        assignments.push({ name: p.name, value: resolveAssignmentValue(p, frame) });
        this.visit(p, ctx);
      } else input = this.redirect(p, ctx, redirects, input);
    }
    const words: RWord[] = [];
    let declared: Assignment[] | undefined;
    if (node.name !== undefined) words.push(this.word(node.name, ctx));
    for (const s of node.suffix) {
      if (s.type === "Word") words.push(this.word(s, ctx));
      else if (s.type === "Assignment") {
        words.push(resolveAssignmentWord(s, frame));
        if (declared === undefined) declared = [];
        declared.push({ name: s.name, value: resolveAssignmentValue(s, frame) });
        this.visit(s, ctx);
      } else input = this.redirect(s, ctx, redirects, input);
    }
    const span: [number, number] = [mapOffset(frame, node.pos), mapEnd(frame, node.end)];
    this.checkSkipped(node, ctx);
    if (words.length === 0) {
      // Only assignments and redirections: no program runs, but the shell keeps the variables.
      if (assignments !== undefined) {
        for (const a of assignments) this.envProgram(a, span, undefined);
        if (redirects.length === 0) this.assigned(assignments, before, this.invocations.length);
      }
      // A bare redirection (`> /etc/passwd`) still opens and truncates its target: report it as the null
      // command `:` with those redirections, which is exactly what the shell does.
      if (redirects.length > 0) {
        const idx = this.emit(
          [
            {
              word: { value: ":", dynamic: false, text: "" },
              pos: node.pos,
              end: node.pos,
              parent: frame,
              node: undefined,
            },
          ],
          ctx,
          NO_ASSIGNMENTS,
          assignments,
          redirects,
          input,
          span,
        );
        this.substituted(before, idx);
        if (assignments !== undefined) this.assigned(assignments, before, idx);
      }
      return;
    }
    const idx = this.emit(words, ctx, assignments ?? NO_ASSIGNMENTS, assignments, redirects, input, span);
    this.substituted(before, idx);
    if (declared !== undefined) {
      for (const a of declared) this.envProgram(a, span, idx);
      this.assigned(declared, before, idx);
    }
  }

  /**
   * unbash 6.0.4 silently drops a stray `(` after a command word (`x ( y`, `echo (`), which bash rejects. Text
   * between a command's parts, or a `(` right after it, means a token was skipped: report it (fail closed).
   */
  private checkSkipped(node: Command, ctx: Ctx): void {
    const text = ctx.text;
    let prev = -1;
    const parts = [...node.prefix, ...(node.name === undefined ? [] : [node.name]), ...node.suffix];
    for (const part of parts) {
      if (prev >= 0 && part.pos > prev && !blank(text, prev, part.pos)) {
        this.skipped(ctx, prev, part.pos);
        return;
      }
      if (part.end > prev) prev = part.end;
    }
    let i = node.end;
    while (i < text.length && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
    if (text.charCodeAt(i) === 40 /* ( */) this.skipped(ctx, i, i + 1);
  }

  private skipped(ctx: Ctx, from: number, to: number): void {
    this.diagnose("parse", "unexpected token '('", [mapOffset(ctx.frame, from), mapEnd(ctx.frame, to)]);
  }

  private redirect(r: Redirection, ctx: Ctx, out: Redirect[], input: Input | null): Input | null {
    const fd = r.descriptor;
    const prefix = fd === undefined ? "" : fd.type === "FileDescriptor" ? String(fd.value) : `{${fd.name}}`;
    const fromStdin = fd === undefined || (fd.type === "FileDescriptor" && fd.value === 0);
    if (r.type === "HereDoc") return this.hereDoc(r, ctx, out, input, prefix, fromStdin);
    if (r.target === undefined) return input;
    const target = this.word(r.target, ctx);
    out.push({ op: prefix + r.operator, target: target.word });
    if (!fromStdin) return input;
    if (r.type === "HereString") {
      return {
        kind: "herestring",
        text: target.word.value,
        dynamic: target.word.dynamic,
        frame: payloadFrame(target),
      };
    }
    if (r.operator === "<" || r.operator === "<>") {
      return { kind: "file", text: target.word.value, dynamic: target.word.dynamic, frame: undefined };
    }
    if (r.operator === "<&") return null;
    return input;
  }

  private hereDoc(
    r: HereDoc,
    ctx: Ctx,
    out: Redirect[],
    input: Input | null,
    prefix: string,
    fromStdin: boolean,
  ) {
    const quoted = r.delimiter?.quoted ?? false;
    const body = r.body;
    let { value, dynamic } = hereDocValue(body, quoted);
    if (r.operator === "<<-") value = value.replace(/^\t+/gm, "");
    if (!quoted && body.parts !== undefined) this.visit(body, ctx);
    out.push({ op: prefix + r.operator, target: { value, dynamic, text: body.text } });
    if (!fromStdin) return input;
    const frame = childFrame(ctx.frame, body.pos, body.pos, body.end, value === body.text);
    return { kind: "heredoc" as const, text: value, dynamic, frame };
  }

  private envProgram(a: Assignment, span: [number, number], invocation: number | undefined): void {
    if (!ENV_PROGRAM_VARS.has(a.name) || a.value.value === "") return;
    this.note("env-program", `${a.name}=${a.value.value}`, span, invocation);
  }

  /** Records one invocation, then what it runs in turn (wrapped commands, payloads, stdin programs). */
  private emit(
    words: RWord[],
    ctx: Ctx,
    assignments: Assignment[],
    fresh: readonly Assignment[] | undefined,
    redirects: Redirect[],
    input: Input | null,
    span: [number, number],
  ): number {
    const head = words[0]!;
    const program = programName(head);
    const argv: Word[] = new Array(words.length);
    for (let i = 0; i < words.length; i++) argv[i] = words[i]!.word;
    const inv: Invocation = {
      argv,
      program,
      via: ctx.via,
      redirects,
      assignments,
      stdin: input === null || input.kind === "file" ? null : input.kind,
      span,
    };
    if (input !== null && (input.kind === "heredoc" || input.kind === "herestring"))
      inv.stdinText = input.text;
    const idx = this.invocations.push(inv) - 1;
    this.stdinFrom[idx] = input?.kind === "pipe" && input.from !== undefined ? [...input.from] : [];
    this.substitution[idx] = null;
    this.wrapper[idx] = null;
    if (fresh !== undefined) for (const a of fresh) this.envProgram(a, span, idx);
    if (program === null) {
      this.note("dynamic-command", head.word.text || head.word.value, span, idx);
      // `$SHELL -c 'code'`: the name is unknown but the payload is very likely shell code.
      const mode = shellMode(words);
      if (mode.kind === "command" && this.enter(ctx.frame, span[0], span[1])) {
        const start = this.invocations.length;
        this.payload(mode.code, `${head.word.text} -c`, idx, ctx, input, span);
        this.wrapped(start, idx);
        this.depth--;
      }
      return idx;
    }
    this.builtinNotes(program, words, idx, span);
    const inners = unwrap(program, words);
    const start = this.invocations.length;
    for (const inner of inners) {
      if (!this.enter(ctx.frame, span[0], span[1])) break;
      this.inner(inner, idx, ctx, assignments, input, span);
      this.depth--;
    }
    if (SHELLS.has(program)) {
      if (shellMode(words).kind === "stdin") this.shellStdin(program, idx, ctx, input, span);
    } else if (input?.kind === "pipe" && interpreterReadsStdin(program, words)) {
      this.note("shell-reads-stdin", `${program} reads its program from a pipe`, span, idx);
    }
    this.wrapped(start, idx);
    return idx;
  }

  private inner(
    inner: Inner,
    idx: number,
    ctx: Ctx,
    assignments: Assignment[],
    input: Input | null,
    span: [number, number],
  ): void {
    if (inner.kind === "code") {
      const joined = joinWords(inner.words);
      this.code(joined.code, joined.frame, joined.dynamic, inner.label, idx, ctx, input, span);
      return;
    }
    const words = inner.words;
    const env = inner.clearEnv
      ? inner.assignments
      : inner.assignments.length === 0
        ? assignments
        : [...assignments, ...inner.assignments];
    const innerSpan: [number, number] = [
      words[0]!.pos,
      Math.max(words[0]!.end, words[words.length - 1]!.end),
    ];
    this.emit(
      words,
      { ...ctx, via: [...ctx.via, inner.label] },
      env,
      inner.assignments,
      [],
      inner.stdin === "detached" ? null : input,
      innerSpan,
    );
  }

  private payload(
    word: RWord,
    label: string,
    idx: number,
    ctx: Ctx,
    input: Input | null,
    span: [number, number],
  ) {
    this.code(word.word.value, payloadFrame(word), word.word.dynamic, label, idx, ctx, input, span);
  }

  /** Re-parses shell code run by another program; `dynamic` code is only partly known (noted, still walked). */
  private code(
    source: string,
    frame: Frame,
    dynamic: boolean,
    label: string,
    idx: number,
    ctx: Ctx,
    input: Input | null,
    span: [number, number],
  ): void {
    if (dynamic) this.note("dynamic-payload", `${label} ${source}`, span, idx);
    this.script(parse(source), { text: source, frame, via: [...ctx.via, label], input });
  }

  /** A shell reading its program from stdin: a pipe hides it; a here-doc or here-string shows it. */
  private shellStdin(
    program: string,
    idx: number,
    ctx: Ctx,
    input: Input | null,
    span: [number, number],
  ): void {
    if (input === null) return;
    if (input.kind === "pipe") {
      this.note("shell-reads-stdin", `${program} reads its program from a pipe`, span, idx);
    } else if (input.kind === "file") {
      this.note("source", input.text, span, idx);
    } else if (this.enter(ctx.frame, span[0], span[1])) {
      const label = input.kind === "heredoc" ? `${program} <<` : `${program} <<<`;
      this.code(input.text, input.frame ?? ctx.frame, input.dynamic, label, idx, ctx, null, span);
      this.depth--;
    }
  }

  private builtinNotes(program: string, words: RWord[], idx: number, span: [number, number]): void {
    switch (program) {
      case "source":
      case ".":
        this.note("source", words[1]?.word.value ?? "", span, idx);
        return;
      case "trap": {
        const action = trapAction(words);
        if (action !== undefined) this.note("trap", action.word.value, span, idx);
        return;
      }
      case "alias":
        for (let i = 1; i < words.length; i++) {
          if (words[i]!.word.value.includes("=")) this.note("alias", words[i]!.word.value, span, idx);
        }
        return;
      case "shopt":
        if (words.some((w) => w.word.value === "-s") && words.some((w) => w.word.value === "extglob")) {
          this.extglob = true;
        }
        return;
    }
  }
}
