// Interpreters: code passed inline (`python -c`, `node -e`, awk and sed programs), in here-docs or pipes,
// or in script files we cannot see. Inline payloads are scanned for shell calls, deletes, sockets and
// eval; shell command strings found inside are classified like any other command.
import type { Finding, Invocation, Risk, RuleContext, Word } from "../types.ts";
import { maxRisk } from "../types.ts";
import { type CodeEffects, codeEffects } from "./inline-code.ts";
import { classifyShellText } from "./nested.ts";
import { allDeclared, ownPythonModule, ownScript, pythonPackageName } from "./own-code.ts";
import type { RulePack } from "./pack.ts";
import { judgeWrite, resolveTarget } from "./paths.ts";
import { secretPath } from "./secrets.ts";
import { finding } from "./util.ts";

type Lang = "python" | "node" | "perl" | "ruby" | "php" | "lua" | "deno" | "applescript" | "powershell" | "r";

interface Danger {
  pattern: RegExp;
  risk: Risk;
  what: string;
}

/** Calls that hand a string to a shell or another program. */
const SHELL_CALLS: Danger = {
  pattern:
    /\bos\.(system|popen|exec[lv]p?e?|spawn[lv]p?e?)\b|\bsubprocess\b|\bcommands\.getoutput|\bpty\.spawn|\bchild_process\b|\bexecSync\b|\bexecFileSync\b|\bspawnSync\b|\bexecFile\b|\bspawn\s*\(|\bexec\s*\(|\bsystem\s*\(|\bshell_exec\b|\bpassthru\b|\bproc_open\b|\bpopen\b|\bOpen3\b|\bIO\.popen\b|%x[({[]|\bdo shell script\b|\bDeno\.(Command|run)\b|\bBun\.(spawn|spawnSync|\$)|\bos\.execute\b|\bio\.popen\b|\bStart-Process\b|\bInvoke-Expression\b|\biex\b/,
  risk: "high",
  what: "runs shell commands",
};

const DANGERS: readonly Danger[] = [
  SHELL_CALLS,
  {
    pattern:
      /\bshutil\.rmtree\b|\bos\.(remove|unlink|rmdir|removedirs)\b|\bfs(\.promises)?\.(rm|rmSync|rmdir|rmdirSync|unlink|unlinkSync)\b|\bfsPromises\.(rm|unlink|rmdir)\b|\.(rmSync|rmdirSync|unlinkSync)\s*\(|\)\.(rm|rmdir|unlink)\s*\(|\brimraf\b|\brmtree\b|\bFileUtils\.(rm|rm_r|rm_rf|remove_dir|remove_entry)\b|\bFile\.delete\b|\.unlink\(|\bunlink\b|\bDeno\.remove\b|\bRemove-Item\b|\bos\.remove\b/,
    risk: "high",
    what: "deletes files",
  },
  {
    pattern:
      /\beval\s*\(|\bFunction\s*\(|(?<![\w.])compile\s*\(|\b__import__\s*\(|\bimportlib\b|\bexec\s*\(|\bvm\.run/,
    risk: "high",
    what: "evaluates code built at run time",
  },
  {
    pattern:
      /\bsocket\b|\bnet\.(connect|createConnection|Socket|createServer)\b|\bdgram\b|\bIO::Socket\b|\bTCPSocket\b|\bfsockopen\b|\bWebSocket\b|\bDeno\.connect\b/,
    risk: "high",
    what: "opens network sockets",
  },
  {
    pattern:
      /\burllib\b|\brequests\.(get|post|put|delete|patch)\b|\bhttp\.client\b|\bfetch\s*\(|\bhttps?\.(get|request)\b|\bLWP\b|\bNet::HTTP\b|\bcurl_exec\b|\bInvoke-WebRequest\b/,
    risk: "medium",
    what: "talks to the network",
  },
  {
    pattern:
      /\bos\.environ\b(?!\s*[[.](get\b)?)|\bprocess\.env\b(?!\s*[.[])|\benv::vars\b|\bgetenv\s*\(\s*\)|%ENV\b(?!\s*\{)|\bENV\.to_h\b/,
    risk: "high",
    what: "reads the whole environment (tokens and passwords)",
  },
  {
    pattern: /\b(chmod|chown)\s*\(|\bos\.(chmod|chown)\b|\bfs\.(chmod|chown)(Sync)?\b/,
    risk: "medium",
    what: "changes file permissions",
  },
];

/** Shell command strings inside code: `os.system("…")`, `execSync('…')`, `system "…"`, backticks. */
function shellStrings(code: string): string[] {
  const out: string[] = [];
  const str = `(?:"((?:[^"\\\\]|\\\\.)*)"|'((?:[^'\\\\]|\\\\.)*)'|\`([^\`]*)\`)`;
  const call = new RegExp(
    `(?:\\bos\\.(?:system|popen)|\\bsubprocess\\.(?:run|call|check_call|check_output|Popen|getoutput|getstatusoutput)|\\bexecSync|\\bexec|\\bspawnSync|\\bspawn|\\bsystem|\\bshell_exec|\\bpassthru|\\bpopen|\\bIO\\.popen|\\bos\\.execute|\\bio\\.popen|\\bdo shell script|\\bOpen3\\.\\w+|\\bcommands\\.getoutput)\\s*\\(?\\s*(?:\\[\\s*)?${str}`,
    "g",
  );
  for (let m = call.exec(code); m; m = call.exec(code)) {
    let s = m[1] ?? m[2] ?? m[3] ?? "";
    // List form `subprocess.run(["rm", "-rf", "/"])`: gather the literal elements.
    const rest = code.slice(m.index + m[0].length);
    const list = /^\s*,\s*((?:["'][^"']*["']\s*,?\s*)+)\]/.exec(rest);
    if (code.slice(m.index, m.index + m[0].length).includes("[") && list) {
      s += ` ${[...list[1]!.matchAll(/["']([^"']*)["']/g)].map((x) => x[1]).join(" ")}`;
    }
    out.push(s.replace(/\\(["'\\])/g, "$1"));
  }
  // Perl/Ruby backticks and qx//.
  for (const m of code.matchAll(/`([^`]+)`|\bqx\s*[({[/]([^)}\]/]+)/g)) out.push(m[1] ?? m[2] ?? "");
  return out.filter((s) => s.trim() !== "");
}

const SECRET_MENTION =
  /(\.ssh\/(id_[a-z0-9]+|authorized_keys)|\.aws\/credentials|\.kube\/config|\/etc\/shadow|\.git-credentials|\.netrc|(^|[\s"'/(])\.env(\.[a-z]+)?(?=[\s"')]|$)|\/proc\/[^/\s]+\/environ)/;

/** Findings for a code payload: the scan's worst danger, every nested shell command, or the medium default. */
function scanCode(code: string, lang: string, ctx: RuleContext, index: number, where: string): Finding[] {
  const out: Finding[] = [];
  for (const d of DANGERS) {
    if (d.pattern.test(code))
      out.push(finding(d.risk, `interpreters.code-${d.what.split(" ")[0]}`, `${where} ${d.what}`, index));
  }
  const secret = SECRET_MENTION.exec(code);
  if (secret) {
    const s = secretPath(secret[0].replace(/^[\s"'(]/, "/x/").replace(/^\.ssh/, `${ctx.home}/.ssh`), ctx);
    out.push(
      finding(
        s?.risk ?? "high",
        "interpreters.code-secret",
        `${where} touches a secret file (${secret[0].trim()})`,
        index,
      ),
    );
  }
  for (const cmd of shellStrings(code))
    out.push(...classifyShellText(cmd, ctx, index, `${where} runs \`${cmd.slice(0, 60)}\``));
  if (out.length > 0) return out;
  const effects = codeEffects(lang, code);
  if (effects?.plain) return plainCode(effects, ctx, index, where);
  const why = effects?.why ? `: it ${effects.why}` : "";
  return [
    finding(
      "medium",
      "interpreters.inline-code",
      `${where} (${lang} code that is not checked further${why})`,
      index,
    ),
  ];
}

/** Code that can only compute, print, read and write the literal files it names: judged by those files. */
function plainCode(effects: CodeEffects, ctx: RuleContext, index: number, where: string): Finding[] {
  const literal = (value: string): Word => ({ value, text: value, dynamic: false });
  const out: Finding[] = [];
  for (const path of effects.writes) {
    const j = judgeWrite(resolveTarget(literal(path), ctx), ctx);
    if (j.risk !== "low")
      out.push(finding(j.risk, `interpreters.code-write-${j.tag}`, `${where} writes ${j.what}`, index));
  }
  for (const path of effects.reads) {
    const t = resolveTarget(literal(path), ctx);
    const s = t.kind === "path" ? secretPath(t.path, ctx) : null;
    if (s) out.push(finding(s.risk, "interpreters.code-secret", `${where} reads ${s.what} (${path})`, index));
  }
  if (out.length > 0) return out;
  const wrote = effects.writes.length > 0 ? `, writing ${effects.writes.join(", ")} in the workspace` : "";
  return [finding("low", "interpreters.plain-code", `${where} only computes and prints${wrote}`, index)];
}

function stdinCode(inv: Invocation, lang: string, ctx: RuleContext, index: number): Finding[] | null {
  if (inv.stdin === "pipe")
    return [
      finding(
        "high",
        "interpreters.code-from-pipe",
        `runs ${lang} code arriving on a pipe, which nobody has seen`,
        index,
      ),
    ];
  if (inv.stdin === "heredoc" || inv.stdin === "herestring") {
    if (inv.stdinText === undefined)
      return [
        finding(
          "high",
          "interpreters.code-from-heredoc",
          `runs ${lang} code from a here-document that could not be read`,
          index,
        ),
      ];
    return scanCode(inv.stdinText, lang, ctx, index, `the ${lang} code in the here-document`);
  }
  return null;
}

interface InlineSpec {
  lang: Lang | string;
  /** Options whose value is the code (`-c`, `-e`, `--eval`). */
  code: readonly string[];
  /** Short letters that take the code when bundled last (`-ne`, `-pe`). */
  bundled?: string;
  /** Options that take a value that is not code. */
  values?: readonly string[];
  /** Whole-invocation forms that are always fine (`--version`). */
  safe?: readonly string[];
  /** Option that names a module to run (`-m`). */
  module?: string;
}

const PY: InlineSpec = {
  lang: "Python",
  code: ["-c"],
  values: ["-W", "-X", "-Q"],
  safe: ["--version", "-V", "-VV", "--help", "-h"],
  module: "-m",
};
const SPECS: Record<string, InlineSpec> = {
  node: {
    lang: "JavaScript",
    code: ["-e", "--eval", "-p", "--print"],
    values: [
      "-r",
      "--require",
      "--import",
      "--loader",
      "--experimental-loader",
      "--env-file",
      "--conditions",
      "-C",
      "--inspect-port",
      "--max-old-space-size",
      "--title",
    ],
    safe: ["--version", "-v", "--help", "-h"],
  },
  perl: {
    lang: "Perl",
    code: ["-e", "-E"],
    bundled: "eE",
    values: ["-I", "-M", "-m", "-x"],
    safe: ["-v", "--version", "-V", "-h"],
  },
  ruby: {
    lang: "Ruby",
    code: ["-e"],
    bundled: "e",
    values: ["-I", "-r", "-C"],
    safe: ["-v", "--version", "-h", "--help"],
  },
  php: { lang: "PHP", code: ["-r"], values: ["-c", "-d", "-z"], safe: ["-v", "--version", "-h", "-i", "-m"] },
  lua: { lang: "Lua", code: ["-e"], values: ["-l"], safe: ["-v"] },
  luajit: { lang: "Lua", code: ["-e"], values: ["-l"], safe: ["-v"] },
  bun: {
    lang: "JavaScript",
    code: ["-e", "--eval", "-p", "--print"],
    safe: ["--version", "-v", "--help", "-h"],
  },
  osascript: { lang: "AppleScript", code: ["-e"], values: ["-l"], safe: [] },
  Rscript: { lang: "R", code: ["-e"], safe: ["--version"] },
  pwsh: {
    lang: "PowerShell",
    code: ["-c", "-Command", "-command", "-EncodedCommand", "-e"],
    safe: ["-v", "-Version", "--version"],
  },
  powershell: {
    lang: "PowerShell",
    code: ["-c", "-Command", "-command", "-EncodedCommand", "-e"],
    safe: ["-v", "-Version"],
  },
};

/** `python -m MODULE` forms that are ordinary dev work. */
const SAFE_MODULES = new Set([
  "pytest",
  "unittest",
  "venv",
  "virtualenv",
  "mypy",
  "black",
  "ruff",
  "pylint",
  "flake8",
  "isort",
  "coverage",
  "json.tool",
  "doctest",
  "py_compile",
  "compileall",
  "pydoc",
  "timeit",
  "build",
  "tox",
  "nox",
  "pyright",
  "ensurepip",
  "site",
  "tabnanny",
  "pre_commit",
  "bandit",
  "behave",
  "pip_audit",
]);

const SCRIPT_EXT = /\.(py|pyw|js|mjs|cjs|ts|mts|cts|tsx|jsx|pl|pm|rb|php|lua|R|r|scpt|applescript|ps1)$/;

function inline(inv: Invocation, ctx: RuleContext, index: number, spec: InlineSpec): Finding[] {
  const argv = inv.argv;
  const words = argv.slice(1);
  if (words.length > 0 && words.every((w) => spec.safe?.includes(w.value))) return [];
  const out: Finding[] = [];
  const program = inv.program!;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const v = w.value;
    if (v === "--") break;
    if (!v.startsWith("-") || v === "-") {
      if (v === "-") return stdinCode(inv, spec.lang, ctx, index) ?? [];
      // The first operand is the script; later words are its arguments.
      return [...out, ...script(ctx, index, w, spec.lang)];
    }
    const eq = v.indexOf("=");
    const name = eq === -1 ? v : v.slice(0, eq);
    let code: Word | undefined;
    if (spec.code.includes(name))
      code = eq === -1 ? words[++i] : { value: v.slice(eq + 1), text: v.slice(eq + 1), dynamic: w.dynamic };
    else if (spec.bundled && /^-[a-zA-Z]+$/.test(v) && spec.bundled.includes(v[v.length - 1]!))
      code = words[++i];
    else if (spec.code.some((c) => c.length === 2 && v.startsWith(c) && !v.startsWith("--")))
      code = { value: v.slice(2), text: v.slice(2), dynamic: w.dynamic };
    if (code !== undefined || spec.code.includes(name)) {
      if (!code)
        return [finding("medium", "interpreters.inline-code", `\`${program} ${v}\` without code`, index)];
      if (code.dynamic && /[$`]/.test(code.text))
        return [
          finding(
            "high",
            "interpreters.dynamic-code",
            `runs ${spec.lang} code only known at run time (${code.text})`,
            index,
          ),
        ];
      out.push(
        ...scanCode(code.value, spec.lang, ctx, index, `the ${spec.lang} code \`${clip(code.value)}\``),
      );
      if (program === "perl") out.push(...perlInPlace(words.slice(i + 1), ctx, index, words));
      return out;
    }
    if (spec.module !== undefined && v === spec.module)
      return pythonModule(inv, ctx, index, words.slice(i + 1));
    if (spec.module !== undefined && v.startsWith(spec.module) && v.length > 2)
      return pythonModule(inv, ctx, index, [{ ...w, value: v.slice(2) }, ...words.slice(i + 1)]);
    if (spec.values?.includes(name) && eq === -1) i++;
  }
  const fromStdin = stdinCode(inv, spec.lang, ctx, index);
  if (fromStdin) return fromStdin;
  // `node --test` runs the project's test files; no code arrives from anywhere else.
  if (program !== "python" && words.some((w) => w.value === "--test")) return [];
  if (words.length === 0 || words.every((w) => w.value.startsWith("-")))
    return [finding("medium", "interpreters.repl", `starts an interactive ${spec.lang} session`, index)];
  return out;
}

function clip(s: string): string {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length > 60 ? `${one.slice(0, 57)}...` : one;
}

function perlInPlace(
  rest: readonly Word[],
  ctx: RuleContext,
  index: number,
  all: readonly Word[],
): Finding[] {
  if (!all.some((w) => /^-[a-zA-Z]*i/.test(w.value))) return [];
  const out: Finding[] = [];
  for (const w of rest) {
    if (w.value.startsWith("-")) continue;
    const t = resolveTarget(w, ctx);
    const j = judgeWrite(t, ctx);
    if (j.risk !== "low")
      out.push(finding(j.risk, `interpreters.perl-in-place-${j.tag}`, `edits in place ${j.what}`, index));
  }
  return out;
}

function script(ctx: RuleContext, index: number, file: Word, lang: string): Finding[] {
  const t = resolveTarget(file, ctx);
  if (t.kind === "dynamic")
    return [
      finding(
        "high",
        "interpreters.dynamic-script",
        `runs a ${lang} script whose name is only known at run time (${file.text})`,
        index,
      ),
    ];
  if (/^https?:\/\//.test(file.value))
    return [
      finding(
        "high",
        "interpreters.remote-script",
        `runs a ${lang} script straight from ${file.value}`,
        index,
      ),
    ];
  const own = ownScript(t.path, file.value, ctx, index);
  if (own) return own;
  return [
    finding(
      "medium",
      "interpreters.script",
      `runs the ${lang} script ${file.value} (code that is not checked)`,
      index,
      { paths: [t.path] },
    ),
  ];
}

function pythonModule(inv: Invocation, ctx: RuleContext, index: number, rest: readonly Word[]): Finding[] {
  const mod = rest[0]?.value ?? "";
  const args = rest.slice(1).map((w) => w.value);
  if (SAFE_MODULES.has(mod)) return [];
  if (mod === "pip" || mod === "pip3") return pipLike(args, index, ctx);
  if (mod === "http.server" || mod === "SimpleHTTPServer")
    return [finding("medium", "interpreters.http-server", "serves the current directory over HTTP", index)];
  if (mod === "twine" && args[0] === "upload")
    return [finding("high", "interpreters.publish", "publishes a package to PyPI", index)];
  if (mod === "" && inv.stdin) return stdinCode(inv, "Python", ctx, index) ?? [];
  const own = ownPythonModule(mod, ctx, index);
  if (own) return own;
  return [finding("medium", "interpreters.module", `runs the Python module ${mod || "(none)"}`, index)];
}

/** pip's grammar, shared by `pip …` (packages pack) and `python -m pip …`. */
export function pipLike(args: readonly string[], index: number, ctx?: RuleContext): Finding[] {
  const ops = args.filter((a) => !a.startsWith("-"));
  const sub = ops[0] ?? "";
  if (
    [
      "list",
      "show",
      "freeze",
      "check",
      "help",
      "search",
      "index",
      "inspect",
      "debug",
      "cache",
      "config",
      "hash",
      "wheel",
      "download",
    ].includes(sub) ||
    args.includes("--version") ||
    sub === ""
  )
    return sub === "download" || sub === "wheel"
      ? [finding("medium", "packages.pip-download", "downloads Python packages", index)]
      : [];
  if (args.includes("--break-system-packages"))
    return [
      finding(
        "high",
        "packages.pip-system",
        "installs into the system Python (--break-system-packages)",
        index,
      ),
    ];
  if (sub === "install") {
    const fromFiles = args.some(
      (a, i) =>
        a === "-r" ||
        a === "--requirement" ||
        a.startsWith("-r") ||
        (a === "-e" && (args[i + 1] === "." || args[i + 1]?.startsWith("./"))),
    );
    const named = ops
      .slice(1)
      .filter(
        (p) =>
          p !== "." &&
          !p.startsWith("./") &&
          !/requirements.*\.txt$/.test(p) &&
          !(args[args.indexOf(p) - 1] ?? "").match(/^(-r|--requirement|-c|--constraint|-e|--editable)$/),
      );
    const userWide = args.some((a) => /^--(user|target|prefix|root)\b/.test(a) || a === "-t");
    if (named.length > 0 && !userWide && allDeclared(named, pythonPackageName, ctx))
      return [
        finding(
          "low",
          "packages.pip-install-declared",
          `installs declared dependencies (${named.join(" ")})`,
          index,
        ),
      ];
    if (named.length === 0 && (fromFiles || ops.length >= 1))
      return [
        finding(
          "low",
          "packages.pip-install-declared",
          "installs the project's declared dependencies",
          index,
        ),
      ];
    return [
      finding(
        "medium",
        "packages.pip-install",
        `installs Python packages (${named.join(" ")}) whose install code runs now`,
        index,
      ),
    ];
  }
  if (sub === "uninstall")
    return [
      finding(
        "medium",
        "packages.pip-uninstall",
        `uninstalls Python packages (${ops.slice(1).join(" ")})`,
        index,
      ),
    ];
  return [finding("medium", "packages.pip", `\`pip ${sub}\``, index)];
}

// --- awk and sed: programs in their own small languages -------------------------------------------------

function awk(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  const words = inv.argv.slice(1);
  let program: Word | undefined;
  for (let i = 0; i < words.length; i++) {
    const v = words[i]!.value;
    if (v === "-f" || v.startsWith("--file"))
      return [finding("medium", "interpreters.awk-script", "runs an awk program from a file", index)];
    if (v === "-v" || v === "-F" || v === "--assign" || v === "--field-separator") {
      i++;
      continue;
    }
    if (v === "--") {
      program = words[i + 1];
      break;
    }
    if (v.startsWith("-") && v !== "-") continue;
    program = words[i];
    break;
  }
  if (!program) return [];
  if (program.dynamic && /[$`]/.test(program.text))
    return [
      finding("high", "interpreters.dynamic-code", "runs an awk program only known at run time", index),
    ];
  const code = program.value;
  const out: Finding[] = [];
  const sys = /\bsystem\s*\(\s*("([^"]*)")?/.exec(code);
  if (sys) {
    out.push(
      finding("high", "interpreters.awk-system", "the awk program runs shell commands (system())", index),
    );
    if (sys[2]) out.push(...classifyShellText(sys[2], ctx, index, `the awk program runs \`${sys[2]}\``));
  }
  if (/\|\s*getline|\|&|print[^;}]*\|\s*"/.test(code))
    out.push(
      finding("high", "interpreters.awk-pipe", "the awk program pipes to or from a shell command", index),
    );
  for (const m of code.matchAll(/(?:print|printf)[^;}]*?>>?\s*"([^"]+)"/g)) {
    const t = resolveTarget({ value: m[1]!, text: m[1]!, dynamic: false }, ctx);
    const j = judgeWrite(t, ctx);
    if (j.risk !== "low")
      out.push(
        finding(j.risk, `interpreters.awk-write-${j.tag}`, `the awk program writes to ${j.what}`, index),
      );
  }
  return out;
}

/** The `e` command and the `e`/`w` flags of `s///` run commands or write files. */
function sed(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  const words = inv.argv.slice(1);
  const scripts: Word[] = [];
  let explicit = false;
  let firstOperand: Word | undefined;
  for (let i = 0; i < words.length; i++) {
    const v = words[i]!.value;
    if (v === "-e" || v === "--expression") {
      explicit = true;
      const s = words[++i];
      if (s) scripts.push(s);
    } else if (v.startsWith("--expression=")) {
      explicit = true;
      scripts.push({ ...words[i]!, value: v.slice(13) });
    } else if (v === "-f" || v.startsWith("--file")) {
      return [finding("medium", "interpreters.sed-script", "runs a sed script from a file", index)];
    } else if (/^-[a-zA-Z]*e$/.test(v) && !v.startsWith("--")) {
      explicit = true;
      const s = words[++i];
      if (s) scripts.push(s);
    } else if (!v.startsWith("-") && firstOperand === undefined) firstOperand = words[i];
  }
  if (!explicit && firstOperand) scripts.push(firstOperand);
  const out: Finding[] = [];
  for (const s of scripts) {
    if (s.dynamic && /[$`]/.test(s.text)) {
      out.push(
        finding("medium", "interpreters.sed-dynamic", "the sed program is only known at run time", index),
      );
      continue;
    }
    const code = s.value;
    for (const cmd of code.split(/[;\n]/)) {
      const c = cmd
        .trim()
        .replace(/^[0-9,$]*\s*|^\/(?:[^/\\]|\\.)*\/\s*/, "")
        .replace(/^[{!]\s*/, "");
      if (/^e(\s|$)/.test(c))
        out.push(
          finding(
            "high",
            "interpreters.sed-exec",
            "the sed program runs shell commands (the `e` command)",
            index,
          ),
        );
      const w = /^w\s+(\S+)/.exec(c);
      if (w) out.push(...sedWrite(w[1]!, ctx, index));
      const sub = /^s(.)((?:\\.|(?!\1).)*)\1((?:\\.|(?!\1).)*)\1([a-zA-Z0-9]*)(?:\s*(\S+))?/.exec(c);
      if (sub) {
        const flags = sub[4] ?? "";
        if (flags.includes("e"))
          out.push(
            finding(
              "high",
              "interpreters.sed-exec",
              "the sed substitution runs its result as a shell command (the `e` flag)",
              index,
            ),
          );
        if (flags.includes("w") && sub[5]) out.push(...sedWrite(sub[5], ctx, index));
      }
    }
  }
  return out;
}

function sedWrite(file: string, ctx: RuleContext, index: number): Finding[] {
  if (file === "/dev/stdout" || file === "/dev/stderr") return [];
  const j = judgeWrite(resolveTarget({ value: file, text: file, dynamic: false }, ctx), ctx);
  return j.risk === "low"
    ? []
    : [finding(j.risk, `interpreters.sed-write-${j.tag}`, `the sed program writes to ${j.what}`, index)];
}

// --- shells -----------------------------------------------------------------------------------------------

const SHELLS = ["bash", "sh", "dash", "zsh", "ksh", "mksh", "ash", "fish", "csh", "tcsh", "busybox"];

function shell(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  const words = inv.argv.slice(1);
  const program = inv.program!;
  if (program === "busybox") {
    const applet = words[0]?.value;
    if (!applet || !SHELLS.includes(applet)) return [];
    return shell({ ...inv, program: applet, argv: words }, ctx, index);
  }
  let hasC = false;
  let check = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const v = w.value;
    if (v === "--") {
      // After `--` the next word is a script file, even one named `-c`.
      const next = words[i + 1];
      if (next) return check ? [] : script(ctx, index, next, "shell");
      break;
    }
    if (v === "-") break;
    if (/^--(version|help)$/.test(v)) return [];
    if (v === "-o" || v === "+o" || v === "-O" || v === "+O" || v === "--rcfile" || v === "--init-file") {
      if (v === "--rcfile" || v === "--init-file")
        return [
          finding(
            "high",
            "interpreters.shell-rcfile",
            "starts a shell that runs a start-up file first",
            index,
          ),
        ];
      i++;
      continue;
    }
    if (/^[-+][a-zA-Z]+$/.test(v)) {
      if (v.startsWith("-") && v.includes("c")) {
        hasC = true;
        // The payload is re-parsed by the shell stage; only a payload nobody can read is judged here.
        const payload = words[i + 1];
        if (payload?.dynamic && /[$`]/.test(payload.text))
          return [
            finding(
              "high",
              "interpreters.dynamic-code",
              `\`${program} -c\` runs code only known at run time (${payload.text})`,
              index,
            ),
          ];
        return [];
      }
      if (v.startsWith("-") && v.includes("n") && !v.includes("i")) check = true;
      continue;
    }
    if (v.startsWith("-")) continue;
    if (check) return [];
    return script(ctx, index, w, "shell");
  }
  if (hasC) return [];
  // A pipe into a shell is the shell stage's `shell-reads-stdin` note (hidden.ts); a readable here-doc is
  // parsed by the shell stage and its commands classified on their own.
  if (inv.stdin === "pipe") return [];
  if (inv.stdin === "heredoc" || inv.stdin === "herestring") {
    if (inv.stdinText === undefined)
      return [
        finding(
          "high",
          "interpreters.code-from-heredoc",
          `\`${program}\` runs a here-document that could not be read`,
          index,
        ),
      ];
    return [];
  }
  return [finding("medium", "interpreters.repl", `starts an interactive ${program} shell`, index)];
}

function deno(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  const words = inv.argv.slice(1);
  const sub = words.find((w) => !w.value.startsWith("-"))?.value ?? "";
  if (words.some((w) => w.value === "--version" || w.value === "-V" || w.value === "--help")) return [];
  if (
    [
      "test",
      "fmt",
      "lint",
      "check",
      "doc",
      "info",
      "bench",
      "coverage",
      "types",
      "lsp",
      "task",
      "outdated",
    ].includes(sub)
  )
    return [];
  if (sub === "eval") {
    const code = words[words.findIndex((w) => w.value === "eval") + 1];
    return code
      ? scanCode(code.value, "JavaScript", ctx, index, `the JavaScript code \`${clip(code.value)}\``)
      : [];
  }
  if (sub === "run" || SCRIPT_EXT.test(sub) || /^https?:/.test(sub)) {
    const file = words
      .slice(words.findIndex((w) => w.value === sub) + (sub === "run" ? 1 : 0))
      .find((w) => !w.value.startsWith("-"));
    const allowAll = words.some((w) => /^(-A|--allow-all|--allow-run(=.*)?)$/.test(w.value));
    const base = file ? script(ctx, index, file, "Deno") : [];
    if (allowAll)
      base.push(
        finding(
          "high",
          "interpreters.deno-allow-all",
          "runs Deno code with every permission (may run programs)",
          index,
        ),
      );
    return base;
  }
  if (sub === "install" || sub === "add" || sub === "compile" || sub === "upgrade" || sub === "remove")
    return [finding("medium", `interpreters.deno-${sub}`, `\`deno ${sub}\` changes installed code`, index)];
  if (sub === "publish")
    return [finding("high", "interpreters.deno-publish", "publishes a package to JSR", index)];
  return [finding("medium", "interpreters.deno", `\`deno ${sub}\``, index)];
}

function source(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  const file = inv.argv[1];
  if (!file) return [];
  const t = resolveTarget(file, ctx);
  if (t.kind === "dynamic")
    return [
      finding(
        "high",
        "interpreters.source",
        `runs shell code from a file only known at run time (${file.text})`,
        index,
      ),
    ];
  const inside = t.path.startsWith(`${ctx.workspace}/`);
  // The project's own virtualenv is everyday work; shared set-up scripts (nvm, cargo) are worth a look.
  if (inside && /\/bin\/activate(\.\w+)?$/.test(t.path))
    return [finding("low", "interpreters.source-env", `activates the virtualenv in ${file.value}`, index)];
  // Installers of uv, rustup, nvm and sdkman put these exactly here; an agent rewriting one asks (a write
  // outside the workspace), so sourcing the file in place is set-up, not new code.
  const toolEnv = [".local/bin/env", ".cargo/env", ".nvm/nvm.sh", ".sdkman/bin/sdkman-init.sh"];
  if (toolEnv.some((p) => t.path === `${ctx.home}/${p}`))
    return [
      finding("low", "interpreters.source-tool-env", `sets up a tool's environment (${file.value})`, index),
    ];
  const own = ownScript(t.path, file.value, ctx, index);
  if (own) return own;
  if (/(^|\/)(nvm\.sh|\.cargo\/env|sdkman-init\.sh|bin\/activate)$/.test(t.path))
    return [
      finding("medium", "interpreters.source-env", `runs the shell set-up script ${file.value}`, index, {
        paths: [t.path],
      }),
    ];
  return [
    finding(
      inside ? "medium" : "high",
      "interpreters.source",
      `runs shell code from ${file.value} in the current shell`,
      index,
      { paths: [t.path] },
    ),
  ];
}

const PYTHONS = [
  "python",
  "python2",
  "python3",
  "pypy",
  "pypy3",
  ...Array.from({ length: 10 }, (_, i) => `python3.${i + 6}`),
];
const AWKS = ["awk", "gawk", "mawk", "nawk", "busybox-awk"];

export const interpretersPack: RulePack = {
  name: "interpreters",
  programs: [
    ...PYTHONS,
    ...Object.keys(SPECS),
    "nodejs",
    "deno",
    ...AWKS,
    "sed",
    "gsed",
    ...SHELLS,
    "source",
    ".",
  ],
  classify(inv, ctx, index) {
    const program = inv.program!;
    let found: Finding[];
    if (PYTHONS.includes(program)) found = inline(inv, ctx, index, PY);
    else if (program === "nodejs") found = inline(inv, ctx, index, SPECS.node!);
    else if (program === "bun") {
      // Subcommands (`bun install`, `bun run build`) are the packages pack's; only code is judged here.
      const first = inv.argv[1]?.value ?? "";
      found =
        first.startsWith("-") || SCRIPT_EXT.test(first) || inv.argv.length === 1
          ? inline(inv, ctx, index, SPECS.bun!)
          : [];
      if (inv.argv.length === 1) found = stdinCode(inv, "JavaScript", ctx, index) ?? [];
    } else if (SPECS[program]) found = inline(inv, ctx, index, SPECS[program]!);
    else if (program === "deno") found = deno(inv, ctx, index);
    else if (AWKS.includes(program)) found = awk(inv, ctx, index);
    else if (program === "sed" || program === "gsed") found = sed(inv, ctx, index);
    else if (SHELLS.includes(program)) found = shell(inv, ctx, index);
    else if (program === "source" || program === ".") found = source(inv, ctx, index);
    else found = [];
    return found;
  },
};

/** Worst risk among findings (exported for tests and other packs). */
export function worstOf(findings: readonly Finding[]): Risk {
  return findings.reduce<Risk>((acc, f) => maxRisk(acc, f.risk), "low");
}
