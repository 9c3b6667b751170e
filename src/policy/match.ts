// Argv patterns for custom rules and forbidden entries. A pattern is a prefix of the command with a glob
// per word; flags match wherever they appear and in any spelling the tool accepts (`--force*` matches
// `-f`, bundled `-fu`, `--force-with-lease`), and positionals are counted after the tool's global options
// (`git -C x push`). `exact` patterns compare the whole argv word for word: prefix allows are how
// peers get bypassed (`git *` approving `git -c core.sshCommand=…`).
import type { Invocation } from "../types.ts";

interface Grammar {
  /** Options whose value is the next word (`-C dir`); `--x=v` never consumes the next word. */
  values: ReadonlySet<string>;
  /** Short spellings of long options. */
  aliases: Readonly<Record<string, string>>;
}

const COMMON_ALIASES: Record<string, string> = {
  "-f": "--force",
  "-r": "--recursive",
  "-R": "--recursive",
  "-v": "--verbose",
  "-h": "--help",
  "-n": "--dry-run",
  "-i": "--interactive",
  "-q": "--quiet",
};

const GRAMMARS: Record<string, Grammar> = {
  git: {
    values: new Set([
      "-C",
      "-c",
      "--git-dir",
      "--work-tree",
      "--namespace",
      "--config-env",
      "-m",
      "-b",
      "-B",
      "-o",
      "--message",
      "--author",
      "-X",
      "--strategy-option",
      "-s",
      "--strategy",
    ]),
    aliases: {
      ...COMMON_ALIASES,
      "-d": "--delete",
      "-D": "--delete",
      "-a": "--all",
      "-u": "--set-upstream",
      "-m": "--message",
      "-b": "--branch",
      "-x": "--exec",
    },
  },
  kubectl: {
    values: new Set([
      "-n",
      "--namespace",
      "--context",
      "--cluster",
      "--user",
      "-s",
      "--server",
      "--kubeconfig",
      "-l",
      "--selector",
      "-o",
      "--output",
      "-f",
      "--filename",
      "-c",
      "--container",
      "--as",
      "--as-group",
      "--field-selector",
      "--token",
      "-p",
      "--patch",
      "--type",
      "--grace-period",
      "--timeout",
      "-k",
      "--kustomize",
    ]),
    aliases: {
      "-n": "--namespace",
      "-f": "--filename",
      "-l": "--selector",
      "-o": "--output",
      "-A": "--all-namespaces",
      "-R": "--recursive",
      "-c": "--container",
      "-s": "--server",
      "-k": "--kustomize",
      "-i": "--stdin",
      "-t": "--tty",
      "-p": "--patch",
    },
  },
  helm: {
    values: new Set([
      "-n",
      "--namespace",
      "--kube-context",
      "--kubeconfig",
      "-f",
      "--values",
      "--set",
      "--set-string",
      "--version",
      "-o",
      "--output",
      "--timeout",
      "--repo",
    ]),
    aliases: { "-n": "--namespace", "-f": "--values", "-o": "--output", "-A": "--all-namespaces" },
  },
  docker: {
    values: new Set([
      "-H",
      "--host",
      "--context",
      "-c",
      "--config",
      "-l",
      "--log-level",
      "-e",
      "--env",
      "-v",
      "--volume",
      "-p",
      "--publish",
      "--name",
      "-w",
      "--workdir",
      "-u",
      "--user",
      "--network",
      "--entrypoint",
      "--mount",
      "-f",
      "--filter",
      "--format",
    ]),
    aliases: {
      "-f": "--force",
      "-a": "--all",
      "-q": "--quiet",
      "-d": "--detach",
      "-i": "--interactive",
      "-t": "--tty",
      "-e": "--env",
      "-v": "--volume",
      "-p": "--publish",
      "-w": "--workdir",
      "-u": "--user",
    },
  },
  aws: {
    values: new Set([
      "--profile",
      "--region",
      "--output",
      "--endpoint-url",
      "--query",
      "--color",
      "--cli-read-timeout",
      "--cli-connect-timeout",
      "--ca-bundle",
    ]),
    aliases: {},
  },
  gcloud: {
    values: new Set([
      "--project",
      "--account",
      "--configuration",
      "--format",
      "--verbosity",
      "--impersonate-service-account",
      "--region",
      "--zone",
    ]),
    aliases: { "-q": "--quiet" },
  },
  npm: {
    values: new Set(["-w", "--workspace", "--prefix", "--registry", "--tag"]),
    aliases: {
      ...COMMON_ALIASES,
      "-g": "--global",
      "-D": "--save-dev",
      "-E": "--save-exact",
      "-w": "--workspace",
    },
  },
  rm: { values: new Set(), aliases: { ...COMMON_ALIASES, "-d": "--dir" } },
};
const DB_GRAMMAR: Grammar = {
  values: new Set([
    "-h",
    "--host",
    "-U",
    "--username",
    "-u",
    "--user",
    "-d",
    "--dbname",
    "-p",
    "--port",
    "-c",
    "--command",
    "-e",
    "--execute",
    "-f",
    "--file",
    "-P",
    "-D",
    "--database",
  ]),
  aliases: {
    "-h": "--host",
    "-U": "--username",
    "-u": "--user",
    "-d": "--dbname",
    "-c": "--command",
    "-e": "--execute",
    "-f": "--file",
    "-D": "--database",
  },
};
for (const p of [
  "psql",
  "pg_dump",
  "pg_restore",
  "pg_dumpall",
  "mysql",
  "mysqldump",
  "mariadb",
  "redis-cli",
  "clickhouse-client",
])
  GRAMMARS[p] = DB_GRAMMAR;
const DEFAULT_GRAMMAR: Grammar = { values: new Set(), aliases: COMMON_ALIASES };

export function grammarFor(program: string): Grammar {
  return GRAMMARS[program] ?? DEFAULT_GRAMMAR;
}

export interface Flag {
  /** The long name when the short spelling is known (`-f` → `--force`), else as written. */
  canonical: string;
  raw: string;
  value?: string;
}

export interface Normalized {
  program: string;
  positionals: string[];
  flags: Flag[];
}

/** Splits an argv (after the program) into positionals and flags, with the program's grammar. */
export function normalizeArgs(program: string, args: readonly string[]): Normalized {
  const g = grammarFor(program);
  const positionals: string[] = [];
  const flags: Flag[] = [];
  let rest = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (rest || a === "-" || !a.startsWith("-")) {
      positionals.push(a);
      continue;
    }
    if (a === "--") {
      rest = true;
      continue;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      if (eq !== -1) flags.push({ canonical: a.slice(0, eq), raw: a.slice(0, eq), value: a.slice(eq + 1) });
      else if (g.values.has(a) && i + 1 < args.length)
        flags.push({ canonical: a, raw: a, value: args[++i]! });
      else flags.push({ canonical: a, raw: a });
      continue;
    }
    // Short options, possibly bundled (`-rf`) or with an attached value (`-nprod`, `-n=prod`).
    if (/^-\d+$/.test(a)) {
      positionals.push(a);
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const raw = `-${a[j]}`;
      const canonical = g.aliases[raw] ?? raw;
      if (g.values.has(raw)) {
        let attached = a.slice(j + 1);
        if (attached.startsWith("=")) attached = attached.slice(1);
        if (attached) flags.push({ canonical, raw, value: attached });
        else if (i + 1 < args.length) flags.push({ canonical, raw, value: args[++i]! });
        else flags.push({ canonical, raw });
        break;
      }
      flags.push({ canonical, raw });
    }
  }
  return { program, positionals, flags };
}

/** A glob over one word: `*` any run of characters, `?` one, `[…]` a class. */
export function wordGlob(glob: string): (s: string) => boolean {
  if (!/[*?[]/.test(glob)) return (s) => s === glob;
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === "*") re += ".*";
    else if (ch === "?") re += ".";
    else if (ch === "[") {
      const close = glob.indexOf("]", i + 2);
      if (close === -1) re += "\\[";
      else {
        let body = glob.slice(i + 1, close);
        if (body.startsWith("!")) body = `^${body.slice(1)}`;
        re += `[${body.replace(/\\/g, "\\\\")}]`;
        i = close;
      }
    } else re += ch.replace(/[.+^${}()|\\/\]]/g, "\\$&");
  }
  const compiled = new RegExp(`^${re}$`, "s");
  return (s) => compiled.test(s);
}

/** Splits a pattern into words; single and double quotes group, as in the shell. */
export function splitPattern(pattern: string): string[] {
  const words: string[] = [];
  let cur = "";
  let inWord = false;
  let quote: string | null = null;
  for (const ch of pattern) {
    if (quote) {
      if (ch === quote) quote = null;
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

export interface PatternSpec {
  match?: string | undefined;
  program?: string | string[] | undefined;
  subcommand?: string | string[] | undefined;
  regex?: string | undefined;
  exact?: boolean | undefined;
}

export interface CompiledPattern {
  /** Literal program names this pattern can match (for indexing), or null if any program may match. */
  programs: string[] | null;
  test(inv: Invocation, normalized: () => Normalized, line: () => string): boolean;
  /** The pattern in words, for reasons and lint messages. */
  describe: string;
  /** The spec it came from (shadow detection compares these). */
  spec: PatternSpec;
}

interface FlagPattern {
  name: (s: string) => boolean;
  value: ((s: string) => boolean) | null;
}

/** Compiles a rule's match fields; throws with a plain message when the pattern is unusable. */
export function compilePattern(spec: PatternSpec): CompiledPattern {
  const tests: ((inv: Invocation, n: () => Normalized, line: () => string) => boolean)[] = [];
  let programs: string[] | null = null;
  const describe: string[] = [];

  const programList = (list: string[]) => {
    const literal = list.every((p) => !/[*?[]/.test(p));
    const matchers = list.map(wordGlob);
    if (literal) programs = programs ? programs.filter((p) => list.includes(p)) : [...list];
    tests.push((inv) => inv.program !== null && matchers.some((m) => m(inv.program!)));
  };

  if (spec.match !== undefined) {
    const words = splitPattern(spec.match);
    if (words.length === 0) throw new Error("empty `match` pattern");
    describe.push(spec.exact ? `exactly \`${spec.match}\`` : `\`${spec.match}\``);
    programList([words[0]!]);
    const rest = words.slice(1);
    if (spec.exact) {
      const trailingAny = rest.at(-1) === "*";
      const fixed = (trailingAny ? rest.slice(0, -1) : rest).map(wordGlob);
      tests.push((inv) => {
        if (inv.assignments.length > 0) return false;
        const args = inv.argv.length - 1;
        if (trailingAny ? args < fixed.length : args !== fixed.length) return false;
        for (let i = 0; i < fixed.length; i++) {
          const w = inv.argv[i + 1]!;
          if (w.dynamic || !fixed[i]!(w.value)) return false;
        }
        return true;
      });
    } else {
      const program = words[0]!;
      const patternArgs = normalizeArgs(program, rest);
      const positional = patternArgs.positionals;
      while (positional.at(-1) === "*") positional.pop();
      const posMatchers = positional.map(wordGlob);
      const flagMatchers: FlagPattern[] = patternArgs.flags.map((f) => ({
        name: (s) => wordGlob(f.canonical)(s) || wordGlob(f.raw)(s),
        value: f.value === undefined ? null : wordGlob(f.value),
      }));
      tests.push((_inv, n) => {
        const norm = n();
        if (norm.positionals.length < posMatchers.length) return false;
        for (let i = 0; i < posMatchers.length; i++) if (!posMatchers[i]!(norm.positionals[i]!)) return false;
        for (const fm of flagMatchers) {
          const hit = norm.flags.some(
            (f) =>
              (fm.name(f.canonical) || fm.name(f.raw)) &&
              (fm.value === null || (f.value !== undefined && fm.value(f.value))),
          );
          if (!hit) return false;
        }
        return true;
      });
    }
  }
  if (spec.program !== undefined) {
    const list = Array.isArray(spec.program) ? spec.program : [spec.program];
    if (list.length === 0) throw new Error("empty `program` list");
    describe.push(`program ${list.join("|")}`);
    programList(list);
  }
  if (spec.subcommand !== undefined) {
    const subs = (Array.isArray(spec.subcommand) ? spec.subcommand : [spec.subcommand]).map((s) =>
      splitPattern(s).map(wordGlob),
    );
    describe.push(`subcommand ${([] as string[]).concat(spec.subcommand).join("|")}`);
    tests.push((_inv, n) => {
      const pos = n().positionals;
      return subs.some((words) => words.length <= pos.length && words.every((m, i) => m(pos[i]!)));
    });
  }
  if (spec.regex !== undefined) {
    let re: RegExp;
    try {
      re = new RegExp(spec.regex);
    } catch (err) {
      throw new Error(`invalid regex: ${(err as Error).message}`);
    }
    describe.push(`regex /${spec.regex}/`);
    // `^git ` can only match program git: index it like a program rule.
    const literal = /^\^([A-Za-z0-9_.+-]+)(?: |\\s)/.exec(spec.regex);
    if (literal && spec.match === undefined && spec.program === undefined) programs = [literal[1]!];
    tests.push((_inv, _n, line) => re.test(line()));
  }
  if (tests.length === 0) throw new Error("a rule needs `match`, `program` or `regex`");
  return {
    programs,
    describe: describe.join(", "),
    spec,
    test: (inv, n, line) => tests.every((t) => t(inv, n, line)),
  };
}

/** Lazily computed views of one invocation, shared by every pattern tested against it. */
export function invocationViews(inv: Invocation): { normalized: () => Normalized; line: () => string } {
  let norm: Normalized | undefined;
  let line: string | undefined;
  return {
    normalized: () => {
      norm ??= normalizeArgs(
        inv.program ?? "",
        inv.argv.slice(1).map((w) => w.value),
      );
      return norm;
    },
    line: () => {
      line ??= [inv.program ?? inv.argv[0]?.text ?? "", ...inv.argv.slice(1).map((w) => w.value)].join(" ");
      return line;
    },
  };
}
