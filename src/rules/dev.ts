// Ordinary development work: reading, searching, building, testing, shell builtins and wrappers whose
// inner command is classified on its own. Data stays data: `echo "rm -rf /"` prints, it deletes nothing.
// Secrets named as arguments and writes through redirections are judged by the "*" packs.
import type { Finding, Invocation, RuleContext, Word } from "../types.ts";
import { AGENT_PROGRAMS, classifyAgent } from "./agents.ts";
import { splitArgs } from "./filesystem.ts";
import { classifyShellText } from "./nested.ts";
import type { RulePack } from "./pack.ts";
import { judgeWrite, resolveTarget } from "./paths.ts";
import { finding } from "./util.ts";

const READ_ONLY = [
  "ls",
  "ll",
  "la",
  "dir",
  "vdir",
  "cat",
  "tac",
  "less",
  "more",
  "most",
  "head",
  "tail",
  "bat",
  "batcat",
  "nl",
  "grep",
  "egrep",
  "fgrep",
  "zgrep",
  "rg",
  "ag",
  "ack",
  "fd",
  "fdfind",
  "tree",
  "wc",
  "sort",
  "uniq",
  "cut",
  "tr",
  "paste",
  "join",
  "column",
  "fold",
  "fmt",
  "expand",
  "unexpand",
  "rev",
  "diff",
  "cmp",
  "comm",
  "colordiff",
  "delta",
  "echo",
  "printf",
  "pwd",
  "cd",
  "pushd",
  "popd",
  "dirs",
  "which",
  "type",
  "whereis",
  "whoami",
  "id",
  "groups",
  "date",
  "cal",
  "uname",
  "hostname",
  "uptime",
  "true",
  "false",
  ":",
  "test",
  "[",
  "[[",
  "basename",
  "dirname",
  "realpath",
  "readlink",
  "stat",
  "file",
  "du",
  "df",
  "free",
  "ps",
  "pgrep",
  "top",
  "htop",
  "btop",
  "jq",
  "yq",
  "gojq",
  "xq",
  "sha1sum",
  "sha256sum",
  "sha512sum",
  "md5sum",
  "md5",
  "shasum",
  "b2sum",
  "cksum",
  "base64",
  "base32",
  "xxd",
  "hexdump",
  "od",
  "strings",
  "seq",
  "yes",
  "sleep",
  "clear",
  "reset",
  "man",
  "info",
  "help",
  "tldr",
  "whatis",
  "apropos",
  "locale",
  "tty",
  "nproc",
  "lscpu",
  "lsblk",
  "lsof",
  "lsusb",
  "lspci",
  "env",
  "printenv",
  "history",
  "expr",
  "bc",
  "dc",
  "factor",
  "numfmt",
  "tput",
  "stty",
  "getconf",
  "mktemp",
  "look",
  "iconv",
  "dos2unix",
  "unix2dos",
  "envsubst",
  "ping",
  "dig",
  "nslookup",
  "host",
  "traceroute",
  "tracepath",
  "mtr",
  "netstat",
  "ss",
  "ip",
  "ifconfig",
  "arp",
  "route",
  "w",
  "who",
  "last",
  "finger",
  "users",
  "vmstat",
  "iostat",
  "sar",
  "dmesg",
  "journalctl",
  "pr",
  "csplit",
  "split",
  "shuf",
  "tsort",
  "ptx",
  "sum",
  "glow",
  "pandoc",
  "highlight",
  "pygmentize",
  "hexyl",
  "exa",
  "eza",
  "lsd",
  "broot",
  "zoxide",
  "z",
  "fzf",
  "sk",
  "watchman",
  "ctags",
  "jless",
  "fx",
  "gron",
  "dasel",
  "xmllint",
  "xmlstarlet",
  "csvlook",
  "mlr",
  "sqlite-utils",
  "tokei",
  "cloc",
  "scc",
];

const BUILD_AND_TEST = [
  "make",
  "gmake",
  "cmake",
  "ninja",
  "meson",
  "bazel",
  "bazelisk",
  "buck",
  "just",
  "task",
  "tsc",
  "eslint",
  "prettier",
  "biome",
  "jest",
  "vitest",
  "mocha",
  "ava",
  "pytest",
  "py.test",
  "tox",
  "nox",
  "mypy",
  "pyright",
  "ruff",
  "black",
  "isort",
  "flake8",
  "pylint",
  "bandit",
  "rustc",
  "rustfmt",
  "clippy-driver",
  "gcc",
  "g++",
  "cc",
  "c++",
  "clang",
  "clang++",
  "ld",
  "javac",
  "kotlinc",
  "scalac",
  "dotnet",
  "swift",
  "swiftc",
  "xcodebuild",
  "gofmt",
  "golangci-lint",
  "staticcheck",
  "shellcheck",
  "shfmt",
  "hadolint",
  "actionlint",
  "yamllint",
  "markdownlint",
  "stylelint",
  "tsx",
  "ts-node",
  "esbuild",
  "webpack",
  "rollup",
  "vite",
  "turbo",
  "nx",
  "lerna",
  "playwright",
  "cypress",
  "phpunit",
  "rspec",
  "rake",
  "rubocop",
  "ctest",
  "valgrind",
  "gdb",
  "lldb",
  "perf",
  "hyperfine",
  "entr",
  "nodemon",
  "pre-commit",
  "lefthook",
  "husky",
  "commitlint",
  "protoc",
  "buf",
  "sqlc",
  "openapi-generator",
  "swagger-codegen",
  "graphql-codegen",
  "cargo-watch",
  "air",
  "reflex",
  "mix",
  "elixir",
  "erl",
  "rebar3",
  "ghc",
  "stack",
  "cabal",
  "zig",
  "nim",
  "crystal",
  "dart",
  "flutter",
  "go-task",
];

/** The inner command is classified on its own; the wrapper itself is harmless. */
const WRAPPERS = [
  "xargs",
  "timeout",
  "gtimeout",
  "nice",
  "renice",
  "ionice",
  "nohup",
  "time",
  "command",
  "builtin",
  "exec",
  "stdbuf",
  "setsid",
  "flock",
  "watch",
  "strace",
  "ltrace",
  "parallel",
  "unbuffer",
  "caffeinate",
  "chronic",
  "taskset",
  "numactl",
  "faketime",
  "dotenv",
  "with-contenv",
  "tini",
  "dumb-init",
  "retry",
  "ts",
];

const BUILTINS = [
  "export",
  "unset",
  "set",
  "local",
  "readonly",
  "declare",
  "typeset",
  "shift",
  "read",
  "wait",
  "let",
  "getopts",
  "hash",
  "ulimit",
  "umask",
  "shopt",
  "jobs",
  "fg",
  "bg",
  "disown",
  "return",
  "exit",
  "break",
  "continue",
  "logout",
  "times",
  "caller",
  "compgen",
  "complete",
  "enable",
  "mapfile",
  "readarray",
  "suspend",
  "setopt",
  "unsetopt",
  "autoload",
  "bindkey",
  "noglob",
  "rehash",
  "unalias",
  "trap",
  "alias",
];

const CREATE = ["mkdir", "touch", "mkfifo", "mknod"];
const ARCHIVES = [
  "tar",
  "gtar",
  "bsdtar",
  "zip",
  "unzip",
  "gzip",
  "gunzip",
  "zcat",
  "bzip2",
  "bunzip2",
  "xz",
  "unxz",
  "zstd",
  "unzstd",
  "7z",
  "7za",
  "rar",
  "unrar",
  "lz4",
  "brotli",
  "pigz",
  "cpio",
  "ar",
];
const PROCESSES = [
  "kill",
  "pkill",
  "killall",
  "fuser",
  "shutdown",
  "reboot",
  "halt",
  "poweroff",
  "init",
  "telinit",
  "systemctl",
  "service",
  "launchctl",
  "crontab",
  "at",
  "batch",
];

function create(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  const { operands } = splitArgs(inv.argv, [
    "-m",
    "--mode",
    "-d",
    "--date",
    "-r",
    "--reference",
    "-t",
    "-Z",
    "--context",
  ]);
  for (const w of operands) {
    const t = resolveTarget(w, ctx);
    const j = judgeWrite(t, ctx);
    if (j.risk === "low") continue;
    // Creating an empty file or directory loses nothing; only where it lands matters, and less than a write.
    const risk = j.tag === "device" || j.tag === "system" ? "high" : "medium";
    // An empty directory outside the workspace changes nothing anyone relies on; what is later written in it
    // is judged on its own.
    if (inv.program === "mkdir" && risk === "medium") continue;
    return [finding(risk, `dev.${inv.program}-${j.tag}`, `\`${inv.program}\` creates ${j.what}`, index)];
  }
  return [];
}

/** Where an archive tool extracts or writes, and tar's own ways of running commands. */
function archive(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  const program = inv.program!;
  const a = inv.argv.slice(1).map((w) => w.value);
  const out: Finding[] = [];
  if (
    a.some(
      (x) =>
        /^--(to-command|checkpoint-action|use-compress-program|info-script|new-volume-script|rsh-command)(=|$)/.test(
          x,
        ) ||
        x === "-I" ||
        x === "-F",
    )
  )
    if (program.includes("tar"))
      out.push(finding("high", "dev.tar-command", "`tar` is told to run another program", index));
  let dir: string | undefined;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    if (
      (x === "-C" ||
        x === "--directory" ||
        (program === "unzip" && x === "-d") ||
        (x === "-o" && program.startsWith("7z"))) &&
      a[i + 1]
    )
      dir = a[i + 1];
    else if (x.startsWith("--directory=")) dir = x.slice(12);
    else if (program.startsWith("7z") && x.startsWith("-o")) dir = x.slice(2);
  }
  const extracting =
    (program.includes("tar") &&
      a.some(
        (x) => (/^-?[a-zA-Z]*x/.test(x) && !x.startsWith("--")) || x === "--extract" || x === "--get",
      )) ||
    program === "unzip" ||
    ((program === "7z" || program === "7za") && (a[0] === "x" || a[0] === "e"));
  if (extracting) {
    if (
      program.includes("tar") &&
      a.some((x) => x === "-P" || x === "--absolute-names" || (/^-[a-zA-Z]*P/.test(x) && !x.startsWith("--")))
    )
      out.push(
        finding(
          "high",
          "dev.tar-absolute",
          "`tar -P` extracts to absolute paths anywhere on the machine",
          index,
        ),
      );
    if (dir !== undefined) {
      const t = resolveTarget({ value: dir, text: dir, dynamic: /[$`~*]/.test(dir) }, ctx);
      const j = judgeWrite(t, ctx);
      if (j.risk !== "low")
        out.push(
          finding(
            j.risk === "critical" ? "critical" : j.tag === "outside" ? "medium" : j.risk,
            `dev.extract-into-${j.tag}`,
            `\`${program}\` extracts files into ${j.what}`,
            index,
          ),
        );
    }
  }
  return out;
}

/** Processes an agent starts for itself while it works: dev servers, watchers, test runners. */
const DEV_PROCESSES = new Set([
  "vite",
  "webpack",
  "webpack-dev-server",
  "next-server",
  "nodemon",
  "ts-node-dev",
  "tsx",
  "esbuild",
  "parcel",
  "rollup",
  "turbo",
  "live-server",
  "http-server",
  "browser-sync",
  "storybook",
  "start-storybook",
  "react-scripts",
  "vue-cli-service",
  "astro",
  "nuxt",
  "nuxi",
  "remix",
  "wrangler",
  "gatsby",
  "eleventy",
  "jest",
  "vitest",
  "mocha",
  "karma",
  "ava",
  "playwright",
  "cypress",
  "tsc",
  "uvicorn",
  "gunicorn",
  "hypercorn",
  "daphne",
  "flask",
  "runserver",
  "streamlit",
  "http.server",
  "pytest-watch",
  "ptw",
  "puma",
  "rackup",
  "jekyll",
  "hugo",
  "mkdocs",
  "watchexec",
  "cargo-watch",
  "air",
  "reflex",
]);
/** Dev servers named by how they were started (`next dev`, `npm run dev`). */
const DEV_COMMANDS =
  /(^|[\s/])(next (dev|start)|(npm|pnpm|yarn|bun)( run)? (dev|start|serve|watch|preview|storybook)|ng serve|rails (s|server)|php -S|cargo watch|webpack serve|deno task dev|mix phx\.server)(\s|$)/;
/** Daemons the machine needs: stopping them cuts logins, containers or the desktop. */
const SYSTEM_PROCESSES = new Set([
  "sshd",
  "systemd",
  "init",
  "launchd",
  "dockerd",
  "containerd",
  "kubelet",
  "Xorg",
  "Xwayland",
  "gnome-shell",
  "WindowServer",
  "loginwindow",
  "dbus-daemon",
  "NetworkManager",
  "cron",
  "crond",
]);

/**
 * What a `pkill`/`killall` pattern selects: every process (`.`, `.*`), a dev server or watcher of the agent's
 * own (`vite`, `-f "npm run dev"`), a system daemon, or something else. A pattern counts as naming a dev
 * server only when it is plain text (with `.`/`.*` gaps and anchors): alternation, groups, classes and
 * optional parts could make it match anything.
 */
function killPattern(p: string): "all" | "dev" | "system" | "other" {
  const plain = p
    .replace(/\\\./g, ".")
    .replace(/\.[*+]|\\s[*+]?/g, " ")
    .replace(/^\^|\$$/g, "");
  if (plain.replace(/[.\s^$*+?]/g, "") === "") return "all";
  if (!/^[\w .:/=@,-]+$/.test(plain)) return "other";
  const words = plain.split(/[\s/]+/).filter((w) => w !== "");
  if (words.some((w) => SYSTEM_PROCESSES.has(w))) return "system";
  if (words.some((w) => DEV_PROCESSES.has(w)) || DEV_COMMANDS.test(plain)) return "dev";
  return "other";
}

/** Options that take a value, per program (pkill from procps, killall from psmisc and macOS). */
const KILL_VALUES: Record<string, ReadonlySet<string>> = {
  pkill: new Set(["-g", "-G", "-P", "-s", "-t", "-u", "-U", "-F", "-r", "--signal", "--ns", "--nslist"]),
  killall: new Set([
    "-s",
    "-u",
    "-y",
    "-o",
    "-n",
    "-Z",
    "-t",
    "-c",
    "--signal",
    "--user",
    "--ns",
    "--context",
  ]),
};

function killByName(inv: Invocation, index: number): Finding[] {
  const program = inv.program!;
  const words = inv.argv.slice(1);
  const patterns: { value: string; dynamic: boolean }[] = [];
  let selector = false;
  let group = false;
  let inverse = false;
  for (let i = 0; i < words.length; i++) {
    const a = words[i]!.value;
    if (a === "--") {
      patterns.push(...words.slice(i + 1));
      break;
    }
    if (!a.startsWith("-") || a === "-") {
      patterns.push(words[i]!);
      continue;
    }
    const [name = a] = a.split("=", 1);
    if (program === "killall" && (a === "-g" || a === "--process-group")) group = true;
    // pkill --inverse stops every process that does NOT match.
    if (program === "pkill" && (a === "--inverse" || a === "-v")) inverse = true;
    if (
      program === "pkill"
        ? /^-[gGPstuUF]$|^--(euid|uid|group|pgroup|parent|session|terminal|pidfile)/.test(a)
        : /^-[utc]$|^--user/.test(a)
    )
      selector = true;
    if (KILL_VALUES[program]!.has(name) && !a.includes("=")) i++;
  }
  const shown = patterns.map((w) => w.value).join(" ");
  if (patterns.length === 0 && selector)
    return [
      finding(
        "high",
        "dev.kill-all",
        `\`${program}\` stops every process of that user, group or terminal`,
        index,
      ),
    ];
  const kinds = patterns.map((w) => (w.dynamic ? "other" : killPattern(w.value)));
  if (inverse)
    return [
      finding(
        "high",
        "dev.kill-all",
        `\`${program} --inverse\` stops every process that does not match`,
        index,
      ),
    ];
  if (kinds.includes("all"))
    return [finding("high", "dev.kill-all", `\`${program} ${shown}\` matches every process you own`, index)];
  if (kinds.includes("system"))
    return [finding("high", "dev.kill-system", `\`${program}\` stops a system service (${shown})`, index)];
  if (patterns.length > 0 && !group && kinds.every((k) => k === "dev"))
    return [
      finding(
        "low",
        "dev.kill-dev-server",
        `\`${program}\` stops your dev server or watcher (${shown})`,
        index,
      ),
    ];
  return [
    finding(
      "medium",
      "dev.kill-by-name",
      `\`${program}\` stops every process matching ${shown || "a pattern"}`,
      index,
    ),
  ];
}

/**
 * `fuser -k` kills whatever uses a file, a port or (with -m) a whole mounted filesystem. Ports of unprivileged
 * servers (3000/tcp) are the agent's dev servers; without -k fuser only lists.
 */
function fuser(inv: Invocation, index: number): Finding[] {
  const a = inv.argv.slice(1).map((w) => w.value);
  const opts = a.filter((x) => /^-[a-zA-Z]+$/.test(x) || x.startsWith("--"));
  const kill = opts.some((x) => (/^-[a-zA-Z]+$/.test(x) && x.includes("k")) || x === "--kill");
  if (!kill) return [];
  if (
    opts.some((x) => (/^-[a-zA-Z]+$/.test(x) && /[mM]/.test(x)) || x === "--mount" || x === "--ismountpoint")
  )
    return [
      finding("high", "dev.kill-mount", "`fuser -km` stops every process using that filesystem", index),
    ];
  let space: string | undefined;
  const names: string[] = [];
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    if (x === "-n" || x === "--namespace") space = a[++i];
    else if (!x.startsWith("-")) names.push(x);
  }
  const port = (n: string) => {
    const m = /^(\d+)\/(tcp|udp)$/.exec(n) ?? (space === "tcp" || space === "udp" ? /^(\d+)$/.exec(n) : null);
    return m === null ? null : Number(m[1]);
  };
  const ports = names.map(port);
  if (names.length > 0 && ports.every((p) => p !== null && p >= 1024))
    return [
      finding("low", "dev.kill-dev-server", `\`fuser -k\` stops the server on ${names.join(" ")}`, index),
    ];
  if (names.length > 0 && ports.every((p) => p !== null))
    return [
      finding(
        "medium",
        "dev.kill-port",
        `\`fuser -k\` stops a system service listening on ${names.join(" ")}`,
        index,
      ),
    ];
  return [
    finding(
      "medium",
      "dev.kill-by-file",
      `\`fuser -k\` stops every process using ${names.join(" ") || "those files"}`,
      index,
    ),
  ];
}

/** plutil's type options of -insert/-replace that take no value. */
const PLUTIL_NO_VALUE = new Set(["-array", "-dictionary"]);

/**
 * macOS `plutil COMMAND [options] FILE…`: -lint, -p, -type and -extract … raw only read (output to stdout);
 * -convert, -insert, -replace, -remove and -create rewrite each FILE in place, or write `-o OUT` instead
 * (`-o -` is stdout). A write is judged like any other write of that path.
 */
function plutil(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  const words = inv.argv.slice(1);
  const command = words[0]?.value.startsWith("-") ? words[0].value : "-lint";
  let i = command === words[0]?.value ? 1 : 0;
  let format: string | undefined;
  if (command === "-convert" || command === "-create") format = words[i++]?.value;
  else if (command === "-extract") {
    i++;
    format = words[i++]?.value;
  } else if (command === "-insert" || command === "-replace") {
    i++;
    const type = words[i++]?.value ?? "";
    if (!PLUTIL_NO_VALUE.has(type)) i++;
  } else if (command === "-remove" || command === "-type") i++;
  let out: Word | undefined;
  let extension = false;
  const files: Word[] = [];
  for (; i < words.length; i++) {
    const w = words[i]!;
    if (w.value === "--") {
      files.push(...words.slice(i + 1));
      break;
    }
    if (w.value === "-o") out = words[++i];
    else if (w.value === "-e") extension = words[++i] !== undefined;
    else if (w.value === "-expect") i++;
    else if (!w.value.startsWith("-") || w.value === "-") files.push(w);
  }
  const reads =
    command === "-lint" ||
    command === "-p" ||
    command === "-help" ||
    command === "-type" ||
    (command === "-extract" && format === "raw" && out === undefined);
  if (reads) return [];
  // An extracted value in another format replaces the file on older macOS: judged as a write of it.
  const targets = out !== undefined ? [out] : files;
  const found: Finding[] = [];
  for (const w of targets) {
    if (w.value === "-") continue;
    const t = resolveTarget(w, ctx);
    const j = judgeWrite(t, ctx);
    if (j.risk === "low") continue;
    const how = out !== undefined ? "writes" : extension ? "writes a converted copy beside" : "rewrites";
    found.push(
      finding(j.risk, `dev.plutil-${j.tag}`, `\`plutil ${command}\` ${how} ${j.what}`, index, {
        paths: [j.what],
      }),
    );
  }
  return found;
}

function processes(inv: Invocation, index: number): Finding[] {
  const program = inv.program!;
  const a = inv.argv.slice(1).map((w) => w.value);
  const ops = a.filter((x) => !x.startsWith("-") || /^-\d+$/.test(x));
  switch (program) {
    case "kill": {
      if (a.includes("-l") || a.includes("-L")) return [];
      // Only the first word may be a signal (`-9`, `-KILL`, `-s KILL`); later `-1` is the pid "every process".
      let rest = a;
      if (rest[0] === "-s" || rest[0] === "-n") rest = rest.slice(2);
      else if (/^-(\d+|[A-Z][A-Z0-9+]*)$/.test(rest[0] ?? "")) rest = rest.slice(1);
      const targets = rest.filter((x) => x !== "--");
      if (targets.some((t) => t === "1" || t === "-1" || t === "0" || t === "-0"))
        return [
          finding("high", "dev.kill-all", "sends a signal to every process you own (or to init)", index),
        ];
      return [];
    }
    case "pkill":
    case "killall":
      return killByName(inv, index);
    case "fuser":
      return fuser(inv, index);
    case "shutdown":
    case "reboot":
    case "halt":
    case "poweroff":
      return [
        finding("critical", "dev.power", `\`${program}\` shuts the machine down or restarts it`, index),
      ];
    case "init":
    case "telinit":
      return [finding("critical", "dev.runlevel", "changes the machine's run level", index)];
    case "systemctl":
    case "service":
    case "launchctl": {
      const verb = (program === "service" ? ops[1] : ops[0]) ?? "";
      if (
        /^(status|list-units|list-unit-files|list-timers|list-sockets|show|cat|is-active|is-enabled|is-failed|list|print|help|--version|)$/.test(
          verb,
        )
      )
        return [];
      if (/^(poweroff|reboot|halt|kexec|suspend|hibernate|rescue|emergency|isolate|default)$/.test(verb))
        return [
          finding("critical", "dev.power", `\`${program} ${verb}\` changes the machine's state`, index),
        ];
      const user = a.includes("--user");
      return [
        finding(
          user ? "medium" : "high",
          "dev.service",
          `\`${program} ${verb}\` changes ${user ? "your" : "system"} services`,
          index,
        ),
      ];
    }
    case "crontab":
      if (a.includes("-l")) return [];
      if (a.some((x) => /^-[a-z]*r/.test(x)))
        return [finding("high", "dev.crontab-remove", "deletes your scheduled jobs", index)];
      return [
        finding("high", "dev.crontab", "installs scheduled jobs that keep running after this session", index),
      ];
    case "at":
    case "batch":
      if (a.some((x) => x === "-l" || x === "-c")) return [];
      return [finding("high", "dev.at", "schedules a command to run later", index)];
    default:
      return [];
  }
}

function make(inv: Invocation, index: number): Finding[] {
  const targets = inv.argv
    .slice(1)
    .map((w) => w.value)
    .filter((x) => !x.startsWith("-") && !x.includes("="));
  const risky = targets.find((t) =>
    /deploy|release|publish|destroy|drop|prod|install|uninstall|nuke|purge/i.test(t),
  );
  return risky
    ? [
        finding(
          "medium",
          "dev.make-target",
          `runs the build target \`${risky}\`, which may change more than the working tree`,
          index,
        ),
      ]
    : [];
}

/** Single-quotes a value for the shell so an input stays one word when substituted into a command. */
function shellQuote(v: string): string {
  return /^[\w./:=@%+{}-]+$/.test(v) ? v : `'${v.replace(/'/g, "'\\''")}'`;
}

const PARALLEL_VALUES = new Set([
  "-j",
  "--jobs",
  "-S",
  "--sshlogin",
  "--joblog",
  "--results",
  "--delay",
  "--timeout",
  "--colsep",
  "-d",
  "--delimiter",
  "-a",
  "--arg-file",
  "--tmpdir",
  "--workdir",
  "--env",
  "--halt",
  "--retries",
  "-n",
  "--max-args",
  "-N",
  "-I",
  "--tag-string",
]);

/**
 * GNU parallel builds commands from a template and inputs (`parallel rm -rf {} ::: build dist`). With
 * literal inputs each built command is classified; with inputs from a pipe the placeholder is unknown;
 * without a template the inputs themselves are commands (`parallel ::: 'rm -rf /'`).
 */
function parallel(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  const a = inv.argv.slice(1).map((w) => w.value);
  let i = 0;
  while (i < a.length && a[i]!.startsWith("-") && !a[i]!.startsWith(":::"))
    i += PARALLEL_VALUES.has(a[i]!) ? 2 : 1;
  const sep = a.findIndex((x, k) => k >= i && /^::::?\+?$/.test(x));
  const template = a.slice(i, sep === -1 ? a.length : sep);
  const inputs = sep === -1 ? null : a.slice(sep + 1).filter((x) => !/^::::?\+?$/.test(x));
  const fromFiles = sep !== -1 && a[sep]!.startsWith("::::");
  const commands: string[] = [];
  if (template.length === 0) {
    if (inputs === null || fromFiles)
      return [
        finding(
          "high",
          "dev.parallel-commands",
          "`parallel` runs commands read from its input, unknown until run time",
          index,
        ),
      ];
    commands.push(...inputs);
  } else {
    const line = template.map(shellQuote).join(" ");
    const hasSlot = /\{[^}]*\}/.test(line);
    const values = inputs === null || fromFiles ? ['"$PARALLEL_INPUT"'] : inputs.map(shellQuote);
    for (const v of values.slice(0, 20))
      commands.push(hasSlot ? line.replace(/\{[^}]*\}/g, v) : `${line} ${v}`);
  }
  return commands.flatMap((c) => classifyShellText(c, ctx, index, `\`parallel\` runs \`${c.slice(0, 60)}\``));
}

const PROGRAMS = [
  "plutil",
  ...AGENT_PROGRAMS,
  ...READ_ONLY,
  ...BUILD_AND_TEST,
  ...WRAPPERS,
  ...BUILTINS,
  ...CREATE,
  ...ARCHIVES,
  ...PROCESSES,
];

export const devPack: RulePack = {
  name: "dev",
  programs: [...new Set(PROGRAMS)],
  classify(inv, ctx, index) {
    const program = inv.program!;
    if (CREATE.includes(program)) return create(inv, ctx, index);
    if (ARCHIVES.includes(program)) return archive(inv, ctx, index);
    if (PROCESSES.includes(program)) return processes(inv, index);
    if (program === "parallel") return parallel(inv, ctx, index);
    if (program === "plutil") return plutil(inv, ctx, index);
    if (AGENT_PROGRAMS.includes(program)) return classifyAgent(inv, ctx, index);
    if (program === "make" || program === "gmake" || program === "just" || program === "task")
      return make(inv, index);
    if (program === "alias" && inv.argv.length > 1 && inv.argv.slice(1).some((w) => w.value.includes("=")))
      return [
        finding("medium", "dev.alias", "defines an alias that changes what a command name runs", index),
      ];
    if (program === "trap" && inv.argv.length > 2)
      return [finding("medium", "dev.trap", "sets a trap that runs code later", index)];
    return [];
  },
};
