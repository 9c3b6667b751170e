// Package managers: restoring declared dependencies and running the project's own scripts is ordinary work;
// adding packages runs their install code (medium), system package managers need root (high), and
// publishing sends code to the world (high).
import type { Finding, Invocation, RuleContext } from "../types.ts";
import { pipLike } from "./interpreters.ts";
import { allDeclared, pythonPackageName, RISKY_SCRIPT } from "./own-code.ts";
import type { RulePack } from "./pack.ts";
import { finding } from "./util.ts";

/** Value-taking global options of the JavaScript package managers. */
const JS_VALUES = [
  "--prefix",
  "-C",
  "--dir",
  "--cwd",
  "-w",
  "--workspace",
  "--filter",
  "-F",
  "--registry",
  "--cache",
  "--userconfig",
  "--loglevel",
  "--tag",
  "--otp",
  "--access",
  "--scope",
];

/** Subcommand and the operands after it, skipping options (and the values of `values`). */
function subcommand(
  inv: Invocation,
  values: readonly string[] = JS_VALUES,
): { sub: string; rest: string[]; opts: string[] } {
  const words = inv.argv.slice(1).map((w) => w.value);
  const opts: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const a = words[i]!;
    if (a === "--") return { sub: words[i + 1] ?? "", rest: words.slice(i + 2), opts };
    if (a.startsWith("-")) {
      opts.push(a);
      if (!a.includes("=") && values.includes(a)) i++;
      continue;
    }
    return {
      sub: a,
      rest: words.slice(i + 1),
      opts: [...opts, ...words.slice(i + 1).filter((x) => x.startsWith("-"))],
    };
  }
  return { sub: "", rest: [], opts };
}

const operands = (rest: readonly string[]) => rest.filter((a) => !a.startsWith("-"));
const isGlobal = (opts: readonly string[]) =>
  opts.some((o) => o === "-g" || o === "--global" || o === "--location=global");

/** `lodash@^4` → `lodash`, `@types/node@20` → `@types/node`. */
const jsPackageName = (spec: string) => spec.replace(/(?<=.)@[^@/]*$/, "");

function runScript(tool: string, name: string, index: number): Finding[] {
  if (name === "") return [];
  if (RISKY_SCRIPT.test(name))
    return [
      finding(
        "medium",
        "packages.run-script-risky",
        `\`${tool}\` runs the project script \`${name}\`, whose name suggests it changes more than the working tree`,
        index,
      ),
    ];
  return [];
}

/** Well-known dev tools that `npx`/`pnpm dlx`/`bunx` commonly run; anything else is a download of unknown code. */
const KNOWN_TOOLS = new Set([
  "tsc",
  "typescript",
  "eslint",
  "prettier",
  "vitest",
  "jest",
  "mocha",
  "@biomejs/biome",
  "biome",
  "tsx",
  "ts-node",
  "playwright",
  "next",
  "vite",
  "nx",
  "turbo",
  "rimraf",
  "esbuild",
  "rollup",
  "webpack",
  "lint-staged",
  "husky",
  "knip",
  "depcheck",
  "npm-check-updates",
  "ncu",
  "stylelint",
  "markdownlint",
  "cspell",
  "c8",
  "nyc",
  "ava",
  "tap",
  "storybook",
  "astro",
  "nuxi",
  "svelte-kit",
  "svelte-check",
  "vue-tsc",
  "tailwindcss",
  "postcss",
  "babel",
  "swc",
  "concurrently",
  "serve",
  "http-server",
  "wrangler",
  "prisma",
  "drizzle-kit",
  "changeset",
  "semantic-release",
]);

/** Tools in KNOWN_TOOLS whose subcommands can destroy or publish. */
const TOOL_DANGER: Record<string, RegExp> = {
  prisma: /^(migrate\s+reset|db\s+push\s+.*--force-reset|migrate\s+deploy)/,
  wrangler: /^(deploy|publish|delete|d1\s+execute|kv|r2\s+.*delete|secret)/,
  "drizzle-kit": /^(push|drop)/,
  "semantic-release": /.*/,
  rimraf: /.*/,
};

function npxLike(tool: string, args: readonly string[], index: number, ctx?: RuleContext): Finding[] {
  const words = args.filter(
    (a, i) => !a.startsWith("-") && !(i > 0 && /^(-p|--package)$/.test(args[i - 1]!)),
  );
  const pkg = words[0] ?? "";
  const name = pkg.replace(/@[^@/]+$/, "");
  if (pkg === "") return [];
  if (KNOWN_TOOLS.has(name)) {
    const danger = TOOL_DANGER[name];
    if (danger?.test(words.slice(1).join(" ")))
      return [
        finding(
          name === "rimraf" ? "medium" : "high",
          "packages.npx-tool-danger",
          `\`${tool} ${words.slice(0, 3).join(" ")}\` changes or deletes state beyond the working tree`,
          index,
        ),
      ];
    return [];
  }
  if (ctx?.project?.declaresDependency(name))
    return [finding("low", "packages.npx-declared", `\`${tool} ${pkg}\` runs a declared dependency`, index)];
  if (name.startsWith("create-") || name.includes("/create-"))
    return [
      finding("medium", "packages.npx-create", `downloads and runs the project generator ${pkg}`, index),
    ];
  return [
    finding(
      "medium",
      "packages.npx",
      `downloads and runs the package ${pkg} (code that is not checked)`,
      index,
    ),
  ];
}

const NPM_READ = new Set([
  "ls",
  "list",
  "la",
  "ll",
  "view",
  "v",
  "info",
  "show",
  "outdated",
  "audit",
  "doctor",
  "explain",
  "why",
  "fund",
  "help",
  "search",
  "s",
  "find",
  "whoami",
  "ping",
  "root",
  "bin",
  "prefix",
  "docs",
  "repo",
  "bugs",
  "query",
  "sbom",
  "licenses",
  "config",
  "c",
  "get",
  "pack",
  "diff",
  "test",
  "t",
  "tst",
  "start",
  "stop",
  "restart",
  "version",
  "-v",
  "--version",
  "ci",
  "clean-install",
  "install-clean",
  "it",
  "install-test",
  "cit",
  "rebuild",
  "rb",
  "dedupe",
  "ddp",
  "prune",
  "link",
  "ln",
  "init",
  "cache",
  "shrinkwrap",
  "store",
  "licenses",
  "why",
  "build",
  "lint",
  "dev",
  "check",
  "typecheck",
  "format",
  "fmt",
  "watch",
  "import",
  "fetch",
  "patch",
  "env",
]);
const NPM_INSTALL = new Set([
  "install",
  "i",
  "in",
  "ins",
  "inst",
  "insta",
  "instal",
  "isnt",
  "isnta",
  "isntal",
  "isntall",
  "add",
]);
const NPM_REMOVE = new Set(["uninstall", "un", "unlink", "remove", "rm", "r"]);
const NPM_UPDATE = new Set(["update", "up", "upgrade", "udpate", "u"]);
const NPM_PUBLISH = new Set([
  "publish",
  "unpublish",
  "deprecate",
  "undeprecate",
  "dist-tag",
  "dist-tags",
  "owner",
  "author",
  "access",
  "token",
  "team",
  "org",
  "hook",
  "trust",
]);

function jsManager(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  const tool = inv.program!;
  const { sub, rest, opts } = subcommand(inv);
  if (opts.includes("--version") || opts.includes("-v") || opts.includes("--help") || opts.includes("-h"))
    if (sub === "") return [];
  if (tool === "yarn" && sub === "") return [];
  const ops = operands(rest);
  const global = isGlobal(opts) || (tool === "yarn" && sub === "global");
  if (NPM_PUBLISH.has(sub) || (tool === "yarn" && sub === "npm" && ops[0] === "publish")) {
    const what =
      sub === "unpublish"
        ? "removes a published package version from the registry"
        : `\`${tool} ${sub}\` changes what the package registry serves to everyone`;
    return [finding("high", `packages.${sub === "unpublish" ? "unpublish" : "publish"}`, what, index)];
  }
  if (sub === "login" || sub === "adduser" || sub === "add-user" || sub === "logout")
    return [finding("medium", "packages.registry-login", "changes registry credentials", index)];
  if (sub === "exec" || sub === "x" || sub === "dlx") return npxLike(`${tool} ${sub}`, rest, index, ctx);
  if (sub === "create" || (tool !== "npm" && sub === "init" && ops.length > 0))
    return npxLike(`${tool} ${sub}`, [`create-${ops[0] ?? ""}`], index);
  if (NPM_INSTALL.has(sub) || (tool === "yarn" && sub === "global")) {
    const pkgs = tool === "yarn" && sub === "global" ? operands(rest.slice(1)) : ops;
    if (global)
      return [
        finding(
          "high",
          "packages.install-global",
          `installs packages globally (${pkgs.join(" ") || "all"}), outside the project`,
          index,
        ),
      ];
    if (pkgs.length === 0) return [];
    if (allDeclared(pkgs, jsPackageName, ctx))
      return [
        finding(
          "low",
          "packages.install-declared",
          `installs declared dependencies (${pkgs.join(" ")})`,
          index,
        ),
      ];
    return [
      finding(
        "medium",
        "packages.install",
        `adds packages (${pkgs.join(" ")}) whose install scripts run now`,
        index,
      ),
    ];
  }
  if (NPM_REMOVE.has(sub)) {
    if (sub === "unlink" && ops.length === 0) return [];
    return [
      finding(
        global ? "high" : "medium",
        "packages.remove",
        `removes packages (${ops.join(" ") || "?"})${global ? " installed globally" : ""}`,
        index,
      ),
    ];
  }
  if (NPM_UPDATE.has(sub))
    return [
      finding(
        global ? "high" : "medium",
        "packages.update",
        `updates dependencies${ops.length ? ` (${ops.join(" ")})` : ""}, changing installed code`,
        index,
      ),
    ];
  if (sub === "run" || sub === "run-script" || sub === "rum" || sub === "urn")
    return runScript(tool, ops[0] ?? "", index);
  if (sub === "config" || sub === "c" || sub === "pkg" || sub === "set") {
    const action = ops[0] ?? "";
    if (action === "set" || action === "delete" || action === "rm" || sub === "set")
      return [finding("medium", "packages.config-set", `changes ${tool} configuration`, index)];
    return [];
  }
  if (sub === "audit" && ops[0] === "fix")
    return [finding("medium", "packages.audit-fix", "upgrades dependencies to fix advisories", index)];
  if (sub === "cache" && (ops[0] === "clean" || ops[0] === "clear")) return [];
  if (sub === "version" && ops.length > 0)
    return [finding("low", "packages.version", "bumps the package version", index)];
  if (NPM_READ.has(sub)) return [];
  // pnpm, yarn and bun run project scripts by bare name (`pnpm lint`); npm does not.
  if (tool !== "npm") return runScript(tool, sub, index);
  return [finding("medium", "packages.npm-other", `\`npm ${sub}\``, index)];
}

function npx(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  return npxLike(
    inv.program!,
    inv.argv.slice(1).map((w) => w.value),
    index,
    ctx,
  );
}

const SYSTEM_READ = new Set([
  "search",
  "show",
  "list",
  "info",
  "policy",
  "depends",
  "rdepends",
  "showpkg",
  "madison",
  "changelog",
  "provides",
  "whatprovides",
  "repolist",
  "history",
  "check-update",
  "-s",
  "--version",
  "help",
  "stats",
  "dump",
  "download",
  "source",
]);

function systemManager(inv: Invocation, index: number): Finding[] {
  const tool = inv.program!;
  const { sub, rest, opts } = subcommand(inv, [
    "-o",
    "-c",
    "-t",
    "--target-release",
    "--root",
    "--installroot",
  ]);
  if (tool === "pacman") {
    const q = opts.find((o) => /^-[A-Z]/.test(o)) ?? "";
    if (/^-Q|^-Ss|^-Si|^-F/.test(q)) return [];
    return [
      finding("high", "packages.system", `\`pacman ${q}\` changes system packages (needs root)`, index),
    ];
  }
  if (
    sub === "" ||
    SYSTEM_READ.has(sub) ||
    opts.includes("--version") ||
    opts.includes("--simulate") ||
    opts.includes("-s") ||
    opts.includes("--dry-run")
  )
    return [];
  if (sub === "update" || sub === "makecache" || sub === "refresh")
    return [
      finding("medium", "packages.system-refresh", `refreshes the ${tool} package index (needs root)`, index),
    ];
  const pkgs = operands(rest);
  if (/^(remove|purge|autoremove|erase|del|uninstall|autopurge)$/.test(sub))
    return [
      finding(
        "high",
        "packages.system-remove",
        `removes system packages${pkgs.length ? ` (${pkgs.join(" ")})` : ""} (needs root)`,
        index,
      ),
    ];
  return [
    finding(
      "high",
      "packages.system",
      `\`${tool} ${sub}\` changes system packages${pkgs.length ? ` (${pkgs.join(" ")})` : ""} (needs root)`,
      index,
    ),
  ];
}

function brew(inv: Invocation, index: number): Finding[] {
  const { sub, rest } = subcommand(inv);
  if (
    [
      "list",
      "ls",
      "info",
      "search",
      "doctor",
      "config",
      "deps",
      "uses",
      "outdated",
      "leaves",
      "--version",
      "home",
      "desc",
      "",
      "shellenv",
      "--prefix",
      "--cellar",
      "commands",
      "help",
    ].includes(sub)
  )
    return [];
  if (sub === "services")
    return [finding("medium", "packages.brew-services", "starts or stops background services", index)];
  return [
    finding(
      "medium",
      `packages.brew-${sub}`,
      `\`brew ${sub}\` changes installed software${operands(rest).length ? ` (${operands(rest).join(" ")})` : ""}`,
      index,
    ),
  ];
}

function cargo(inv: Invocation, index: number): Finding[] {
  const { sub, rest } = subcommand(inv, ["--manifest-path", "-Z", "--config", "-C", "--color"]);
  const safe = [
    "build",
    "b",
    "check",
    "c",
    "test",
    "t",
    "clippy",
    "fmt",
    "doc",
    "d",
    "bench",
    "tree",
    "metadata",
    "clean",
    "run",
    "r",
    "search",
    "version",
    "help",
    "",
    "update",
    "fetch",
    "vendor",
    "generate-lockfile",
    "locate-project",
    "pkgid",
    "verify-project",
    "nextest",
    "audit",
    "deny",
    "outdated",
    "expand",
    "llvm-cov",
    "miri",
    "init",
    "new",
    "package",
    "report",
    "info",
    "fix",
  ];
  if (safe.includes(sub)) return [];
  if (["publish", "yank", "owner"].includes(sub))
    return [
      finding(
        "high",
        "packages.publish",
        `\`cargo ${sub}\` changes what crates.io serves to everyone`,
        index,
      ),
    ];
  if (sub === "login" || sub === "logout")
    return [finding("medium", "packages.registry-login", "changes registry credentials", index)];
  if (sub === "install" && operands(rest).length === 0 && rest.includes("--path"))
    return [
      finding("medium", "packages.install", "installs this project's binaries into ~/.cargo/bin", index),
    ];
  if (["add", "remove", "rm", "install", "uninstall"].includes(sub))
    return [
      finding(
        "medium",
        `packages.${sub === "add" || sub === "install" ? "install" : "remove"}`,
        `\`cargo ${sub}\` ${sub === "add" || sub === "install" ? "adds crates whose build scripts run" : "removes crates"} (${operands(rest).join(" ")})`,
        index,
      ),
    ];
  return [finding("medium", "packages.cargo-other", `\`cargo ${sub}\``, index)];
}

function goTool(inv: Invocation, index: number): Finding[] {
  const { sub, rest } = subcommand(inv, ["-C"]);
  const safe = [
    "build",
    "test",
    "vet",
    "fmt",
    "run",
    "list",
    "version",
    "env",
    "doc",
    "help",
    "",
    "tool",
    "work",
    "bug",
    "fix",
    "clean",
  ];
  if (safe.includes(sub)) {
    if (sub === "env" && rest.some((a) => a === "-w" || a === "-u"))
      return [finding("medium", "packages.go-env", "changes Go's persistent settings", index)];
    return [];
  }
  if (sub === "mod") {
    const m = rest[0] ?? "";
    return ["tidy", "download", "verify", "why", "graph", "init", "vendor", "edit"].includes(m)
      ? []
      : [finding("medium", "packages.go-mod", `\`go mod ${m}\``, index)];
  }
  if (sub === "generate")
    return [
      finding("medium", "packages.go-generate", "runs the commands named in //go:generate comments", index),
    ];
  if (sub === "get" || sub === "install")
    return [
      finding(
        "medium",
        "packages.install",
        `\`go ${sub}\` downloads and builds modules (${operands(rest).join(" ")})`,
        index,
      ),
    ];
  return [finding("medium", "packages.go-other", `\`go ${sub}\``, index)];
}

function python(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  const tool = inv.program!;
  const { sub, rest } = subcommand(inv, ["--directory", "--project", "-p", "--python", "-C"]);
  const ops = operands(rest);
  if (tool === "pip" || tool === "pip3")
    return pipLike(
      inv.argv.slice(1).map((w) => w.value),
      index,
      ctx,
    );
  if (tool === "uvx" || (tool === "pipx" && sub === "run"))
    return npxLike(tool, tool === "uvx" ? inv.argv.slice(1).map((w) => w.value) : rest, index);
  if (tool === "uv" && sub === "pip") return pipLike(rest, index, ctx);
  if (tool === "uv" && sub === "tool") {
    if (ops[0] === "run") return npxLike("uv tool run", rest.slice(1), index);
    if (ops[0] === "list" || ops[0] === "dir") return [];
    return [
      finding("medium", "packages.install", `\`uv tool ${ops[0] ?? ""}\` changes installed tools`, index),
    ];
  }
  const safe = [
    "sync",
    "lock",
    "show",
    "check",
    "env",
    "list",
    "tree",
    "version",
    "venv",
    "init",
    "--version",
    "help",
    "",
    "install",
    "shell",
    "export",
    "config",
    "info",
    "build",
    "self",
    "python",
    "cache",
    "search",
    "debug",
    "about",
    "new",
  ];
  if (tool === "pipx") {
    if (["list", "environment", "--version", ""].includes(sub)) return [];
    return [
      finding(
        "medium",
        `packages.pipx-${sub}`,
        `\`pipx ${sub}\` changes installed tools (${ops.join(" ")})`,
        index,
      ),
    ];
  }
  if (sub === "publish" || (tool === "poetry" && sub === "publish"))
    return [
      finding("high", "packages.publish", `\`${tool} publish\` uploads the package for everyone`, index),
    ];
  if (sub === "run") return [];
  if (sub === "add" && ops.length > 0 && allDeclared(ops, pythonPackageName, ctx))
    return [
      finding("low", "packages.install-declared", `installs declared dependencies (${ops.join(" ")})`, index),
    ];
  if (["add", "remove", "rm"].includes(sub))
    return [
      finding(
        "medium",
        `packages.${sub === "add" ? "install" : "remove"}`,
        `\`${tool} ${sub}\` ${sub === "add" ? "adds" : "removes"} packages (${ops.join(" ")})`,
        index,
      ),
    ];
  if (sub === "update" || sub === "upgrade")
    return [finding("medium", "packages.update", `updates dependencies`, index)];
  if (safe.includes(sub)) return [];
  return [finding("medium", `packages.${tool}-other`, `\`${tool} ${sub}\``, index)];
}

function ruby(inv: Invocation, index: number): Finding[] {
  const tool = inv.program!;
  const { sub, rest } = subcommand(inv);
  const ops = operands(rest);
  if (tool === "bundle" || tool === "bundler") {
    if (
      [
        "install",
        "",
        "check",
        "list",
        "show",
        "info",
        "outdated",
        "exec",
        "config",
        "lock",
        "init",
        "platform",
        "doctor",
        "version",
        "binstubs",
        "package",
        "cache",
      ].includes(sub)
    )
      return [];
    if (sub === "add" || sub === "remove" || sub === "update")
      return [
        finding(
          "medium",
          `packages.bundle-${sub}`,
          `\`bundle ${sub}\` changes dependencies (${ops.join(" ")})`,
          index,
        ),
      ];
    return [finding("medium", "packages.bundle-other", `\`bundle ${sub}\``, index)];
  }
  if (
    [
      "list",
      "search",
      "env",
      "info",
      "contents",
      "dependency",
      "query",
      "specification",
      "which",
      "help",
      "",
      "--version",
      "outdated",
    ].includes(sub)
  )
    return [];
  if (["push", "yank", "owner", "signin", "signout"].includes(sub))
    return [
      finding(
        "high",
        "packages.publish",
        `\`gem ${sub}\` changes what rubygems.org serves to everyone`,
        index,
      ),
    ];
  return [
    finding(
      "medium",
      `packages.gem-${sub}`,
      `\`gem ${sub}\` changes installed gems (${ops.join(" ")})`,
      index,
    ),
  ];
}

function composer(inv: Invocation, index: number): Finding[] {
  const { sub, rest } = subcommand(inv, ["-d", "--working-dir"]);
  if (
    [
      "install",
      "i",
      "",
      "show",
      "info",
      "list",
      "outdated",
      "validate",
      "diagnose",
      "dump-autoload",
      "dumpautoload",
      "licenses",
      "depends",
      "why",
      "why-not",
      "search",
      "check-platform-reqs",
      "audit",
      "run-script",
      "run",
      "test",
      "--version",
      "help",
      "fund",
      "status",
    ].includes(sub)
  )
    return [];
  if (sub === "global")
    return [finding("high", "packages.install-global", "changes globally installed PHP packages", index)];
  return [
    finding(
      "medium",
      `packages.composer-${sub}`,
      `\`composer ${sub}\` changes dependencies (${operands(rest).join(" ")})`,
      index,
    ),
  ];
}

function jvm(inv: Invocation, index: number): Finding[] {
  const words = inv.argv
    .slice(1)
    .map((w) => w.value)
    .filter((w) => !w.startsWith("-"));
  if (words.some((w) => /^(deploy|publish\w*|release:\w+|uploadArchives)$/.test(w)))
    return [
      finding("high", "packages.publish", `\`${inv.program} ${words.join(" ")}\` publishes artifacts`, index),
    ];
  return [];
}

export const packagesPack: RulePack = {
  name: "packages",
  programs: [
    "npm",
    "pnpm",
    "yarn",
    "bun",
    "npx",
    "bunx",
    "pnpx",
    "pip",
    "pip3",
    "uv",
    "uvx",
    "poetry",
    "pipx",
    "pdm",
    "hatch",
    "conda",
    "mamba",
    "cargo",
    "gem",
    "bundle",
    "bundler",
    "go",
    "apt",
    "apt-get",
    "aptitude",
    "dpkg",
    "dnf",
    "yum",
    "zypper",
    "pacman",
    "apk",
    "snap",
    "flatpak",
    "rpm",
    "port",
    "brew",
    "composer",
    "mvn",
    "mvnw",
    "gradle",
    "gradlew",
  ],
  classify(inv, ctx, index) {
    const program = inv.program!;
    switch (program) {
      case "npm":
      case "pnpm":
      case "yarn":
        return jsManager(inv, ctx, index);
      case "bun": {
        const first = inv.argv[1]?.value ?? "";
        // `bun file.ts` / `bun -e` are code: the interpreters pack judges those.
        if (first === "" || first.startsWith("-") || /\.(m?[jt]sx?|cjs|cts)$/.test(first)) return [];
        if (first === "x")
          return npxLike(
            "bun x",
            inv.argv.slice(2).map((w) => w.value),
            index,
            ctx,
          );
        return jsManager(inv, ctx, index);
      }
      case "npx":
      case "bunx":
      case "pnpx":
        return npx(inv, ctx, index);
      case "pip":
      case "pip3":
      case "uv":
      case "uvx":
      case "poetry":
      case "pipx":
      case "pdm":
      case "hatch":
        return python(inv, ctx, index);
      case "conda":
      case "mamba": {
        const { sub } = subcommand(inv);
        if (
          [
            "list",
            "info",
            "search",
            "env",
            "config",
            "--version",
            "",
            "run",
            "activate",
            "deactivate",
          ].includes(sub)
        )
          return [];
        return [
          finding(
            "medium",
            `packages.conda-${sub}`,
            `\`${program} ${sub}\` changes installed packages`,
            index,
          ),
        ];
      }
      case "cargo":
        return cargo(inv, index);
      case "gem":
      case "bundle":
      case "bundler":
        return ruby(inv, index);
      case "go":
        return goTool(inv, index);
      case "brew":
      case "port":
        return brew(inv, index);
      case "composer":
        return composer(inv, index);
      case "mvn":
      case "mvnw":
      case "gradle":
      case "gradlew":
        return jvm(inv, index);
      case "dpkg":
      case "rpm": {
        const a = inv.argv.slice(1).map((w) => w.value);
        if (
          a.every(
            (x) =>
              /^(-l|-L|-s|-S|-q\w*|--list|--listfiles|--status|--search|--query|-p|--print-architecture|--version|--get-selections|-V|--verify)$/.test(
                x,
              ) || !x.startsWith("-"),
          )
        )
          return [];
        return [
          finding(
            "high",
            "packages.system",
            `\`${program}\` installs or removes system packages (needs root)`,
            index,
          ),
        ];
      }
      default:
        return systemManager(inv, index);
    }
  },
};
