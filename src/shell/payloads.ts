// Programs that run a string as shell code: `bash -c STR`, `eval ARGS`, `su -c STR`, `ssh host CMD…`, `watch CMD…`,
// `flock FILE -c STR`, `trap ACTION SIG`, and shells or interpreters reading their program from stdin.
// Each finder returns the words whose (space-joined) values are the code; the walker re-parses it.

import { type OptionSpec, scanOptions, scanPermuted } from "./options.ts";
import type { RWord } from "./words.ts";

/** Shells whose `-c STR` payload and stdin are shell code (zsh/ksh/fish are parsed as bash: close enough, and a
 * syntax bash rejects becomes a diagnostic, which fails closed). */
export const SHELLS: ReadonlySet<string> = new Set([
  "sh",
  "bash",
  "dash",
  "zsh",
  "ksh",
  "mksh",
  "lksh",
  "pdksh",
  "oksh",
  "ash",
  "yash",
  "posh",
  "rbash",
  "fish",
  "csh",
  "tcsh",
]);

export type ShellMode =
  /** `sh -c CODE [$0 [args…]]` */
  | { readonly kind: "command"; readonly code: RWord }
  /** No script operand, or `-s`: the program comes from stdin. */
  | { readonly kind: "stdin" }
  /** `sh script.sh`: runs a file. */
  | { readonly kind: "script" }
  /** `sh --version`, or `-c` without its operand: runs nothing. */
  | { readonly kind: "none" };

const SHELL_NONE: ShellMode = { kind: "none" };
const SHELL_STDIN: ShellMode = { kind: "stdin" };
const SHELL_SCRIPT: ShellMode = { kind: "script" };

/** How a shell invocation gets its program (bash/sh option syntax: clusters like `-lc`, `-o opt`, `+o opt`). */
export function shellMode(words: readonly RWord[]): ShellMode {
  let command = false;
  let stdin = false;
  let i = 1;
  for (; i < words.length; i++) {
    const w = words[i]!.word;
    const v = w.value;
    if (w.dynamic) break;
    if (v === "--" || v === "-") {
      i++;
      break;
    }
    const c0 = v.charCodeAt(0);
    if (v.length < 2 || (c0 !== 45 && c0 !== 43)) break;
    if (c0 === 45 && v.charCodeAt(1) === 45) {
      if (v === "--rcfile" || v === "--init-file") i++;
      else if (v === "--help" || v === "--version") return SHELL_NONE;
      else if (v === "--command")
        command = true; // fish
      else if (v.startsWith("--command=")) return { kind: "command", code: words[i]! };
      continue;
    }
    for (let k = 1; k < v.length; k++) {
      const ch = v.charCodeAt(k);
      if (ch === 99 /* c */ && c0 === 45) command = true;
      else if (ch === 115 /* s */ && c0 === 45) stdin = true;
      else if (ch === 111 /* o */ || ch === 79 /* O */) i++;
    }
  }
  if (command) {
    const code = words[i];
    return code === undefined ? SHELL_NONE : { kind: "command", code };
  }
  if (stdin || i >= words.length) return SHELL_STDIN;
  return SHELL_SCRIPT;
}

interface InterpreterSpec {
  readonly options: OptionSpec;
  /** Option letters / long names whose presence means the code comes from the command line, not stdin. */
  readonly codeFlags: string;
  readonly codeLong: ReadonlySet<string>;
}

const PYTHON: InterpreterSpec = {
  options: { shortArg: "WXQ" },
  codeFlags: "cm",
  codeLong: new Set(),
};
const NODE: InterpreterSpec = {
  options: { shortArg: "r", longArg: new Set(["require", "import", "loader", "input-type"]) },
  codeFlags: "ep",
  codeLong: new Set(["eval", "print", "test", "run"]),
};
const PERL: InterpreterSpec = { options: { shortArg: "" }, codeFlags: "eE", codeLong: new Set() };
const RUBY: InterpreterSpec = { options: { shortArg: "IrC" }, codeFlags: "e", codeLong: new Set() };
const PHP: InterpreterSpec = { options: { shortArg: "cdz" }, codeFlags: "rfBRFE", codeLong: new Set() };
const GENERIC: InterpreterSpec = { options: {}, codeFlags: "ec", codeLong: new Set(["command", "eval"]) };

function interpreterSpec(program: string): InterpreterSpec | undefined {
  if (program.startsWith("python") || program.startsWith("pypy")) {
    const rest = program.slice(program.startsWith("pypy") ? 4 : 6);
    return /^[\d.]*$/.test(rest) ? PYTHON : undefined;
  }
  switch (program) {
    case "node":
    case "nodejs":
    case "bun":
    case "deno":
      return NODE;
    case "perl":
      return PERL;
    case "ruby":
      return RUBY;
    case "php":
      return PHP;
    case "lua":
    case "luajit":
    case "Rscript":
    case "R":
    case "tclsh":
    case "wish":
    case "osascript":
    case "pwsh":
    case "powershell":
    case "irb":
    case "jshell":
    case "groovy":
      return GENERIC;
    default:
      return undefined;
  }
}

/** True when an interpreter (python, node, perl, …) would read its program from stdin. */
export function interpreterReadsStdin(program: string, words: readonly RWord[]): boolean {
  const spec = interpreterSpec(program);
  if (spec === undefined) return false;
  let code = false;
  const first = scanOptions(words, 1, spec.options, (hit) => {
    if (hit.name.length === 1 ? spec.codeFlags.includes(hit.name) : spec.codeLong.has(hit.name)) code = true;
  });
  if (code) return false;
  const operand = words[first];
  return operand === undefined || operand.word.value === "-";
}

/** `eval [--] ARGS…`: the arguments joined with spaces. */
export function evalPayload(words: readonly RWord[]): RWord[] {
  const start = words[1]?.word.value === "--" ? 2 : 1;
  return words.slice(start);
}

const SU: OptionSpec = {
  shortArg: "cgGswC",
  longArg: new Set(["command", "session-command", "group", "supp-group", "shell", "whitelist-environment"]),
};

/** `su [opts] [user] -c CMD` / `runuser … -c CMD` (GNU permutation: `-c` may come after the user). */
export function suPayload(words: readonly RWord[]): RWord | undefined {
  let code: RWord | undefined;
  scanPermuted(words, 1, SU, (hit) => {
    if (
      (hit.name === "c" || hit.name === "command" || hit.name === "session-command") &&
      hit.word !== undefined
    ) {
      code = hit.whole ? hit.word : (code ?? hit.word);
    }
  });
  return code;
}

const SSH: OptionSpec = { shortArg: "BbcDEeFIiJLlmOoPpQRSWw" };

/** `ssh [opts] host [opts] CMD…`: the remote command, which the remote shell parses. */
export function sshPayload(words: readonly RWord[]): RWord[] {
  let noCommand = false;
  const visit = (hit: { name: string }): void => {
    if (hit.name === "N" || hit.name === "W") noCommand = true;
  };
  const host = scanOptions(words, 1, SSH, visit);
  if (host >= words.length) return [];
  const start = scanOptions(words, host + 1, SSH, visit);
  return noCommand ? [] : words.slice(start);
}

const WATCH: OptionSpec = {
  shortArg: "nq",
  shortOptional: "d",
  longArg: new Set(["interval", "equexit"]),
};

/** `watch [opts] CMD…`: joined and run with `sh -c`, or exec'd directly with `-x`. */
export function watchCommand(words: readonly RWord[]): { exec: boolean; words: RWord[] } {
  let exec = false;
  const start = scanOptions(words, 1, WATCH, (hit) => {
    if (hit.name === "x" || hit.name === "exec") exec = true;
  });
  return { exec, words: words.slice(start) };
}

/** `trap [-lp] [ACTION] SIG…`: the action runs as shell code when a signal (or EXIT) arrives. */
export function trapAction(words: readonly RWord[]): RWord | undefined {
  const start = scanOptions(words, 1, {});
  if (words.length - start < 2) return undefined;
  const action = words[start]!;
  const v = action.word.value;
  if (!action.word.dynamic && (v === "-" || v === "")) return undefined;
  // `trap 15 2` (all numbers) resets signals in POSIX mode; the first word is then a signal, not an action.
  if (!action.word.dynamic && /^\d+$/.test(v)) return undefined;
  return action;
}
