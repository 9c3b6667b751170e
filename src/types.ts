// The types that cross module boundaries (DESIGN.md §3). Change them on purpose: every stage depends on them.

export type Risk = "low" | "medium" | "high" | "critical";
export type Decision = "allow" | "ask" | "deny";

export const RISKS: readonly Risk[] = ["low", "medium", "high", "critical"];

export function riskRank(risk: Risk): number {
  return RISKS.indexOf(risk);
}

export function maxRisk(a: Risk, b: Risk): Risk {
  return riskRank(a) >= riskRank(b) ? a : b;
}

/** One shell word after quote removal. `text` is the exact source slice it came from. */
export interface Word {
  value: string;
  /** True when the value is only known at run time ($VAR, $(…), globs, braces, leading ~). */
  dynamic: boolean;
  text: string;
}

export interface Redirect {
  /** `>`, `>>`, `<`, `2>`, `&>`, `>|`, `<<<`, `<<`, … (the descriptor, if any, is prefixed). */
  op: string;
  target: Word;
}

export interface Assignment {
  name: string;
  value: Word;
}

/** One command that would execute. */
export interface Invocation {
  argv: Word[];
  /** Basename of argv[0] after resolving quotes and paths (`/usr/bin/../bin/rm` → `rm`); null if dynamic. */
  program: string | null;
  /** Wrappers and nesting it was found under, outermost first, e.g. ["sudo", "bash -c"]. */
  via: string[];
  redirects: Redirect[];
  /** Prefix assignments that become the command's environment (`A=1 cmd`, `env A=1 cmd`). */
  assignments: Assignment[];
  /** Where its standard input comes from when that input may be code: a pipe, a here-doc or here-string. */
  stdin: "pipe" | "heredoc" | "herestring" | null;
  /** Literal body of a here-doc / here-string feeding it, when known (for interpreters and shells). */
  stdinText?: string;
  /** Offsets into the original request string. */
  span: [number, number];
}

/** A neutral fact the analysis noticed that may hide code (the rules decide how risky it is). */
export type NoteKind =
  | "shell-reads-stdin" // bash/sh fed by a pipe: `curl … | sh`
  | "source" // `source file` / `. file`
  | "trap" // `trap CMD SIG`
  | "alias" // `alias x=…`
  | "function-defined" // `f() { … }`
  | "function-called" // a name defined as a function is called
  | "env-program" // BASH_ENV / LD_PRELOAD / PAGER / GIT_SSH_COMMAND … assigned
  | "dynamic-payload" // `eval "$x"`, `bash -c "$x"`: code only known at run time
  | "dynamic-command"; // the command name itself is dynamic

export interface Note {
  kind: NoteKind;
  /** Index into `Analysis.invocations` when the note belongs to one. */
  invocation?: number;
  detail: string;
  span: [number, number];
}

export interface Diagnostic {
  kind: "parse" | "depth" | "size";
  message: string;
  span?: [number, number];
}

export interface Analysis {
  source: string;
  invocations: Invocation[];
  notes: Note[];
  diagnostics: Diagnostic[];
}

export interface Finding {
  risk: Risk;
  /** Stable rule id, `pack.rule` (e.g. `filesystem.rm-recursive-root`). */
  rule: string;
  /** Plain words a user understands. */
  reason: string;
  /** Index into the analysed invocations it came from. */
  invocation?: number;
  /** Source span that triggered it (defaults to the invocation's span). */
  span?: [number, number];
  /** Paths this finding is about, resolved where possible (used by path permissions and prompts). */
  paths?: string[];
}

/** Facts about where a command runs, needed by rules that judge targets (the cwd, the home directory). */
export interface RuleContext {
  cwd: string;
  home: string;
  /** The workspace root (defaults to cwd). Deletes inside it are ordinary work. */
  workspace: string;
  env: Readonly<Record<string, string>>;
  /** Risk given to commands no rule knows (the policy's `unknown`). */
  unknownRisk: Risk;
  /** The workspace's own code (git-tracked files, declared bins); absent: nothing counts as its own. */
  project?: ProjectFacts;
}

/**
 * What the workspace itself declares as its code. Running it is judged like `npm test`: the project's
 * own work. Answers are false whenever Warden cannot tell (no git, unreadable index, path outside).
 */
export interface ProjectFacts {
  /** The workspace's git index tracks this file (absolute path; it must lie inside the workspace). */
  tracks(path: string): boolean;
  /** A program of this name is declared by the workspace's manifests (package.json `bin`, pyproject scripts). */
  declaresBin(name: string): boolean;
  /** A package of this name is a declared dependency (package.json, pyproject.toml). */
  declaresDependency(name: string): boolean;
}

export type FileOp = "read" | "write" | "edit" | "delete";

/** One thing an agent wants to do. Every entry point builds one of these. */
export type Request = CommandRequest | FileRequest;

interface RequestBase {
  cwd: string;
  env?: Record<string, string>;
  user?: string;
  agent?: { name: string; session?: string };
  /** The agent's stated reason, when the integration provides one. */
  rationale?: string;
}

export interface CommandRequest extends RequestBase {
  kind: "command";
  command: string;
}

export interface FileRequest extends RequestBase {
  kind: "file";
  op: FileOp;
  path: string;
  /** The tool that asked (e.g. `Read`, `Write`), for messages. */
  tool?: string;
}

export interface Verdict {
  decision: Decision;
  risk: Risk;
  findings: Finding[];
  /** True when a forbidden command matched: never runs, not even in yolo. */
  forbidden: boolean;
  parse: "ok" | "error";
  diagnostics: string[];
  /** SHA-256 of the effective policy. */
  policy: string;
  /** Why the decision is what it is, in order (mapping, path entries, profile, mode). */
  reasons: string[];
  mode: "normal" | "yolo" | "no-approval" | "container";
  yolo?: boolean;
}
