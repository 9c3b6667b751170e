// git: reads are free; local, recoverable history work is low; publishing is medium; anything that throws
// away uncommitted work, rewrites a remote, or lets git run a program of the caller's choosing is high.
import type { Finding, Invocation, Risk, RuleContext, Word } from "../types.ts";
import { hasOption, operands, optionValues, splitAtSubcommand } from "./cli.ts";
import type { RulePack } from "./pack.ts";
import { finding } from "./util.ts";

const GLOBAL_GRAMMAR = {
  values: [
    "-C",
    "-c",
    "--git-dir",
    "--work-tree",
    "--namespace",
    "--super-prefix",
    "--config-env",
    "--attr-source",
  ],
  attached: ["-C", "-c"],
};

type Verdict = { risk: Risk; rule: string; reason: string };
const v = (risk: Risk, rule: string, reason: string): Verdict => ({ risk, rule: `git.${rule}`, reason });

/** Config keys whose value git runs as a program (or that load more config / enable code-running transports). */
const EXEC_KEYS: readonly RegExp[] = [
  /^core\.(sshcommand|fsmonitor|pager|editor|hookspath|askpass|gitproxy|alternaterefscommand)$/,
  /^sequence\.editor$/,
  /^diff\.external$/,
  /^diff\..+\.(textconv|command)$/,
  /^filter\..+\.(clean|smudge|process)$/,
  /^merge\..+\.driver$/,
  /^(difftool|mergetool)\..+\.cmd$/,
  /^credential(\..+)?\.helper$/,
  /^gpg(\..+)?\.program$/,
  /^uploadpack\.packobjectshook$/,
  /^pager\./,
  /^(web\.browser|browser\..+\.(cmd|path)|man\..+\.(cmd|path))$/,
  /^remote\..+\.(uploadpack|receivepack)$/,
  /^include\.path$/,
  /^includeif\./,
  /^protocol(\..+)?\.allow$/,
  /^sendemail\..*(cmd|smtpserver)$/,
  /^alias\./,
];

/** Pagers and editors agents set to keep git non-interactive (`-c core.pager=cat`, `GIT_EDITOR=true`). */
const PLAIN_TOOLS = new Set([
  "cat",
  "less",
  "more",
  "most",
  "true",
  "false",
  ":",
  "vi",
  "vim",
  "nvim",
  "nano",
  "emacs",
  "code",
  "delta",
  "diff-so-fancy",
  "bat",
  "head",
  "tail",
]);

/** True for a value naming a well-known pager/editor (with plain flags), or plain ssh without command-running options. */
export function plainProgramValue(kind: "pager" | "editor" | "ssh", value: string): boolean {
  if (/[;&|`$<>()\\\n'"]/.test(value)) return false;
  const [prog, ...flags] = value.trim().split(/\s+/);
  if (prog === undefined) return true;
  if (kind === "ssh") {
    if (prog !== "ssh" && !/^\/usr\/bin\/ssh$/.test(prog)) return false;
    // ProxyCommand/LocalCommand run programs; -F loads a config file that may hold them.
    return !flags.some((f) => /command/i.test(f) || /^-\w*F/.test(f));
  }
  return PLAIN_TOOLS.has(prog.replace(/^\/(usr\/)?bin\//, "")) && flags.every((f) => f.startsWith("-"));
}

/** Why a `key=value` config setting is dangerous, or undefined when it is ordinary. */
export function dangerousGitConfig(key: string, value: string | undefined): string | undefined {
  const lower = key.toLowerCase();
  if (value !== undefined) {
    if ((/^core\.pager$/.test(lower) || /^pager\./.test(lower)) && plainProgramValue("pager", value))
      return undefined;
    if (/^(core|sequence)\.editor$/.test(lower) && plainProgramValue("editor", value)) return undefined;
    if (lower === "core.sshcommand" && plainProgramValue("ssh", value)) return undefined;
    if (/^pager\./.test(lower) && /^(true|false|on|off|yes|no|0|1)$/i.test(value)) return undefined;
  }
  if (lower.includes("ext::") || value?.startsWith("ext::"))
    return "uses the ext:: transport, which runs a command";
  if (/^alias\./.test(lower)) {
    if (value === undefined || value.startsWith("!"))
      return `defines alias \`${key.slice(6)}\` that runs a shell command`;
    return undefined;
  }
  if (/^protocol(\..+)?\.allow$/.test(lower)) {
    // Only enabling transports is risky; `protocol.ext.allow=never` is a hardening setting.
    if (value !== undefined && /^(never)$/i.test(value)) return undefined;
    if (lower === "protocol.allow" && value?.toLowerCase() === "user") return undefined;
  }
  if (/^url\..+\.(insteadof|pushinsteadof)$/.test(lower)) return undefined;
  if (EXEC_KEYS.some((re) => re.test(lower)))
    return `sets ${key}, which makes git run a program of your choosing`;
  return undefined;
}

function configFinding(kv: string, where: string): Verdict | undefined {
  const eq = kv.indexOf("=");
  const key = eq === -1 ? kv : kv.slice(0, eq);
  const value = eq === -1 ? undefined : kv.slice(eq + 1);
  const why = dangerousGitConfig(key, value);
  return why ? v("high", "config-exec", `${where} ${why}`) : undefined;
}

/** Environment variables through which git runs programs or reads config. */
const ENV_EXEC = new Set([
  "GIT_SSH",
  "GIT_SSH_COMMAND",
  "GIT_EXTERNAL_DIFF",
  "GIT_PAGER",
  "GIT_EDITOR",
  "GIT_SEQUENCE_EDITOR",
  "GIT_ASKPASS",
  "GIT_PROXY_COMMAND",
  "GIT_EXEC_PATH",
  "GIT_TEMPLATE_DIR",
  "GIT_CONFIG_GLOBAL",
  "GIT_CONFIG_SYSTEM",
]);

const ENV_PLAIN: Record<string, (value: string) => boolean> = {
  GIT_PAGER: (x) => plainProgramValue("pager", x),
  GIT_EDITOR: (x) => plainProgramValue("editor", x),
  GIT_SEQUENCE_EDITOR: (x) => plainProgramValue("editor", x),
  GIT_SSH_COMMAND: (x) => plainProgramValue("ssh", x),
  GIT_SSH: (x) => x === "ssh" || x === "/usr/bin/ssh",
};

function envFindings(inv: Invocation): Verdict[] {
  const out: Verdict[] = [];
  const keys = new Map<string, string>();
  for (const a of inv.assignments) {
    const plain = a.value.dynamic ? false : ENV_PLAIN[a.name]?.(a.value.value) === true;
    if (ENV_EXEC.has(a.name) && !plain)
      out.push(v("high", "env-exec", `${a.name} makes git run or load a program of your choosing`));
    else if (a.name === "GIT_CONFIG_PARAMETERS") {
      if (a.value.dynamic) out.push(v("high", "env-exec", "GIT_CONFIG_PARAMETERS is only known at run time"));
      else
        for (const m of a.value.value.matchAll(/'([^']*)'(?:='([^']*)')?/g)) {
          const f = configFinding(m[2] === undefined ? m[1]! : `${m[1]}=${m[2]}`, "GIT_CONFIG_PARAMETERS");
          if (f) out.push(f);
        }
    } else if (/^GIT_CONFIG_(KEY|VALUE)_\d+$/.test(a.name))
      keys.set(a.name, a.value.dynamic ? "\0" : a.value.value);
  }
  for (const [name, key] of keys) {
    if (!name.startsWith("GIT_CONFIG_KEY_")) continue;
    const value = keys.get(name.replace("KEY", "VALUE"));
    if (key === "\0") out.push(v("high", "env-exec", `${name} is only known at run time`));
    else {
      const f = configFinding(value === undefined || value === "\0" ? key : `${key}=${value}`, name);
      if (f) out.push(f);
    }
  }
  return out;
}

/** Options of transports that run a program on the other end (or here): `--upload-pack`, `ext::` URLs. */
function transportFindings(sub: string, rest: readonly string[]): Verdict[] {
  const out: Verdict[] = [];
  const execOpts = ["--upload-pack", "--receive-pack", "--exec"];
  if (sub === "clone" || sub === "fetch" || sub === "pull" || sub === "ls-remote" || sub === "archive")
    execOpts.push("-u");
  if (execOpts.some((o) => rest.some((a) => a === o || a.startsWith(`${o}=`))))
    out.push(v("high", "transport-exec", `git ${sub} is told which program to run for the remote side`));
  if (rest.some((a) => /^ext::/i.test(a) || /^--[a-z-]+=ext::/i.test(a)))
    out.push(v("high", "transport-exec", "an ext:: URL makes git run a shell command"));
  for (const kv of optionValues(rest, ["-c", "--config"], ["-c"])) {
    const f = configFinding(kv, `git ${sub} --config`);
    if (f) out.push(f);
  }
  if (
    (sub === "clone" || sub === "init") &&
    rest.some((a) => a === "--template" || a.startsWith("--template="))
  )
    out.push(v("high", "template-hooks", `git ${sub} --template copies hooks that git will run`));
  return out;
}

const READ = new Set([
  "status",
  "log",
  "diff",
  "show",
  "blame",
  "annotate",
  "ls-files",
  "ls-tree",
  "ls-remote",
  "rev-parse",
  "rev-list",
  "describe",
  "shortlog",
  "cat-file",
  "for-each-ref",
  "show-ref",
  "show-branch",
  "name-rev",
  "merge-base",
  "whatchanged",
  "cherry",
  "range-diff",
  "count-objects",
  "fsck",
  "verify-commit",
  "verify-tag",
  "verify-pack",
  "check-ignore",
  "check-attr",
  "check-mailmap",
  "check-ref-format",
  "var",
  "version",
  "help",
  "diff-tree",
  "diff-index",
  "diff-files",
  "fetch",
  "format-patch",
  "archive",
  "bundle",
  "request-pull",
  "get-tar-commit-id",
  "show-index",
  "grep",
  "bugreport",
  "diagnose",
  "fsmonitor--daemon",
]);

/** Local work that git can undo (reflog, ORIG_HEAD) or that only adds. */
const LOCAL = new Set([
  "add",
  "commit",
  "mv",
  "revert",
  "cherry-pick",
  "merge",
  "am",
  "apply",
  "init",
  "clone",
  "pull",
  "notes",
  "sparse-checkout",
  "rerere",
  "commit-tree",
  "hash-object",
  "write-tree",
  "mktag",
  "mktree",
  "pack-refs",
  "repack",
  "maintenance",
  "commit-graph",
  "multi-pack-index",
  "index-pack",
  "unpack-objects",
  "update-index",
  "merge-file",
  "stripspace",
  "interpret-trailers",
  "mailinfo",
  "mailsplit",
  "column",
  "lfs",
  "range-diff",
  "backfill",
  "replay",
  "scalar",
]);

const LIST_BRANCH_FLAGS = [
  "-l",
  "--list",
  "-a",
  "--all",
  "-r",
  "--remotes",
  "-v",
  "-vv",
  "--verbose",
  "--merged",
  "--no-merged",
  "--contains",
  "--no-contains",
  "--points-at",
  "--sort",
  "--format",
  "--show-current",
  "--column",
  "--no-column",
  "--color",
  "--no-color",
  "-q",
  "--quiet",
  "--abbrev",
  "--no-abbrev",
  "--omit-empty",
  "--ignore-case",
  "-i",
];

function classifyPush(rest: readonly string[]): Verdict {
  const ops = operands(rest, { values: ["--repo", "-o", "--push-option", "--receive-pack", "--exec"] });
  const refspecs = ops.slice(1).map((o) => o.value);
  const target = refspecs.length > 0 ? refspecs.join(" ") : "the current branch";
  const remote = ops[0]?.value ?? "the default remote";
  if (hasOption(rest, ["--mirror"]))
    return v(
      "high",
      "push-mirror",
      `push --mirror makes ${remote} an exact copy, deleting and overwriting its refs`,
    );
  if (hasOption(rest, ["--delete"], "d") || refspecs.some((r) => r.startsWith(":") && r.length > 1))
    return v(
      "high",
      "push-delete",
      `deletes ${refspecs.map((r) => r.replace(/^:/, "")).join(" ") || "branches"} on ${remote}`,
    );
  if (
    hasOption(rest, ["--force-with-lease", "--force-if-includes"]) &&
    !hasOption(rest, ["--force"], "f") &&
    !refspecs.some((r) => r.startsWith("+"))
  )
    return v(
      "high",
      "push-force",
      `force-push (with lease, which refuses if the remote moved) rewrites ${target} on ${remote}`,
    );
  if (hasOption(rest, ["--force", "--force-with-lease"], "f") || refspecs.some((r) => r.startsWith("+")))
    return v(
      "high",
      "push-force",
      `force-push rewrites the remote branch ${target} on ${remote}, discarding commits others may have`,
    );
  if (hasOption(rest, ["--prune"]))
    return v("high", "push-prune", `push --prune deletes branches on ${remote} that do not exist locally`);
  return v("medium", "push", `publishes commits to ${remote}`);
}

/** A lone checkout operand that reads as a path rather than a branch (`.`, `src/`, `README.md`, globs). */
function looksLikePath(word: string): boolean {
  if (
    word === "." ||
    word === ".." ||
    word.startsWith("./") ||
    word.startsWith("../") ||
    word.startsWith("/")
  )
    return true;
  if (word.startsWith(":(") || word.startsWith(":/") || /[*?[]/.test(word) || word.endsWith("/")) return true;
  // `README.md`, `src/app.ts` — but not tags such as v1.2.3 or release-2.0
  return /\.[A-Za-z][A-Za-z0-9]{0,7}$/.test(word) && !/^(origin|upstream)\//.test(word);
}

function classifyCheckout(rest: readonly string[]): Verdict {
  if (hasOption(rest, ["--force"], "f", "bBU"))
    return v("high", "checkout-force", "checkout --force throws away uncommitted changes");
  const dd = rest.indexOf("--");
  // During a merge or rebase, --ours/--theirs take one side for the conflicted files: resolving, not discarding.
  if (hasOption(rest, ["--ours", "--theirs"]))
    return v("low", "checkout-side", "takes one side of a merge conflict for the named files");
  if (rest.some((a) => a === "--pathspec-from-file" || a.startsWith("--pathspec-from-file=")))
    return v("high", "checkout-paths", "checkout of paths overwrites uncommitted changes in those files");
  const ops = operands(dd === -1 ? rest : rest.slice(0, dd), {
    values: ["-b", "-B", "--orphan", "--conflict", "--unified", "--inter-hunk-context"],
    attached: ["-b", "-B", "-U"],
  });
  const creates = hasOption(rest, ["--orphan"], "bB", "U");
  if (dd !== -1 && dd < rest.length - 1) {
    const paths = rest.slice(dd + 1);
    return v(
      "high",
      "checkout-paths",
      `checkout -- ${paths.join(" ")} overwrites uncommitted changes in those files`,
    );
  }
  if (hasOption(rest, ["--patch"], "p", "bBU"))
    return v("medium", "checkout-patch", "interactive checkout --patch can discard changes hunk by hunk");
  if (!creates && ops.length >= 2)
    return v(
      "high",
      "checkout-paths",
      `checkout ${ops[0]!.value} ${ops
        .slice(1)
        .map((o) => o.value)
        .join(" ")} overwrites those files with another version`,
    );
  if (!creates && ops.length === 1 && looksLikePath(ops[0]!.value))
    return v(
      "high",
      "checkout-paths",
      `checkout ${ops[0]!.value} reads as a path: it would overwrite uncommitted changes`,
    );
  return v("low", "checkout-branch", "switches branches (git refuses if uncommitted work would be lost)");
}

function classifyRestore(rest: readonly string[]): Verdict {
  if (hasOption(rest, ["--help"])) return v("low", "help", "shows help");
  const staged = hasOption(rest, ["--staged"], "S");
  const worktree = hasOption(rest, ["--worktree"], "W");
  const paths = operands(rest, {
    values: ["-s", "--source", "--conflict", "--pathspec-from-file"],
    attached: ["-s"],
  });
  if (staged && !worktree) return v("low", "restore-staged", "unstages changes (working files are kept)");
  if (hasOption(rest, ["--ours", "--theirs"]) && !hasOption(rest, ["--source"], "s"))
    return v("low", "restore-side", "takes one side of a merge conflict for the named files");
  if (paths.length === 0 && !hasOption(rest, ["--pathspec-from-file"]))
    return v("low", "restore-nothing", "restore without paths does nothing");
  const shown = paths.map((p) => p.value).join(" ") || "the listed files";
  return v("high", "restore-worktree", `restore ${shown} throws away uncommitted changes in those files`);
}

function classifyBranch(rest: readonly string[]): Verdict {
  const force = hasOption(rest, ["--force"], "f");
  if (hasOption(rest, [], "D") || (hasOption(rest, ["--delete"], "d") && force))
    return v(
      "high",
      "branch-force-delete",
      `force-deletes branch ${operands(rest)
        .map((o) => o.value)
        .join(" ")}, even with unmerged commits`,
    );
  if (hasOption(rest, ["--delete"], "d"))
    return v("low", "branch-delete", "deletes a fully merged branch (git refuses otherwise)");
  if (hasOption(rest, [], "M") || (hasOption(rest, ["--move"], "m") && force))
    return v(
      "medium",
      "branch-force-rename",
      "force-renames a branch, replacing any branch with the new name",
    );
  if (hasOption(rest, [], "C"))
    return v("medium", "branch-force-copy", "force-copies a branch, replacing any branch with the new name");
  const ops = operands(rest, {
    values: [
      "-u",
      "--set-upstream-to",
      "--sort",
      "--format",
      "--contains",
      "--no-contains",
      "--merged",
      "--no-merged",
      "--points-at",
      "-t",
      "--track",
    ],
    attached: ["-u"],
  });
  if (force && ops.length > 0)
    return v(
      "high",
      "branch-force-move",
      `branch --force moves existing branch ${ops[0]!.value}, dropping its commits from the branch`,
    );
  if (ops.length === 0 || rest.some((a) => LIST_BRANCH_FLAGS.includes(a) && (a === "-l" || a === "--list")))
    return v("low", "read", "lists branches");
  return v("low", "branch-create", "creates or configures a local branch");
}

function classifyStash(rest: readonly string[]): Verdict {
  const sub = operands(rest, { values: ["-m", "--message", "--pathspec-from-file"] })[0]?.value;
  if (sub === "drop") return v("high", "stash-drop", "stash drop deletes stashed work for good");
  if (sub === "clear") return v("high", "stash-clear", "stash clear deletes all stashed work for good");
  return v("low", "stash", "stashes or restores local changes");
}

function classifyConfig(rest: readonly string[]): Verdict {
  const readFlags = [
    "--get",
    "--get-all",
    "--get-regexp",
    "--get-urlmatch",
    "--get-color",
    "--get-colorbool",
    "--list",
    "--show-origin",
    "--show-scope",
  ];
  if (hasOption(rest, readFlags, "l")) return v("low", "read", "reads git configuration");
  const ops = operands(rest, {
    values: ["-f", "--file", "--blob", "--type", "--default", "--comment", "--value", "-t"],
  }).map((o) => o.value);
  let words = ops;
  const verb = ops[0];
  if (verb === "get" || verb === "list") return v("low", "read", "reads git configuration");
  if (verb === "edit" || hasOption(rest, ["--edit"], "e"))
    return v("medium", "config-edit", "opens git configuration in an editor");
  if (verb === "set" || verb === "unset" || verb === "rename-section" || verb === "remove-section")
    words = ops.slice(1);
  if (
    hasOption(rest, ["--unset", "--unset-all", "--remove-section", "--rename-section"]) ||
    verb === "unset" ||
    verb?.endsWith("-section")
  )
    return v("medium", "config-unset", "removes git configuration");
  const key = words[0];
  if (key === undefined) return v("low", "read", "reads git configuration");
  if (words.length === 1 && verb !== "set") return v("low", "read", `reads ${key}`);
  const f = configFinding(`${key}=${words[1] ?? ""}`, "git config");
  if (f) return f;
  if (hasOption(rest, ["--system"]))
    return v("medium", "config-system", "changes git configuration for every user of this machine");
  return v("low", "config-set", `sets ${key}`);
}

function classifyReset(rest: readonly string[]): Verdict {
  if (hasOption(rest, ["--hard"]))
    return v("high", "reset-hard", "reset --hard throws away uncommitted changes");
  if (hasOption(rest, ["--merge"]))
    return v("medium", "reset-merge", "reset --merge moves the branch and rewrites working files");
  return v("low", "reset", "moves the branch or unstages changes; working files are kept");
}

function classifyClean(rest: readonly string[]): Verdict {
  if (hasOption(rest, ["--dry-run"], "n"))
    return v("low", "clean-dry-run", "clean --dry-run only lists what would be deleted");
  if (hasOption(rest, ["--interactive"], "i"))
    return v("medium", "clean-interactive", "interactive clean deletes untracked files you pick");
  if (hasOption(rest, ["--force"], "f")) {
    const ignored = hasOption(rest, [], "xX") ? " including ignored files such as .env and build caches" : "";
    const dirs = hasOption(rest, [], "d") ? " and directories" : "";
    return v("high", "clean-force", `clean -f permanently deletes untracked files${dirs}${ignored}`);
  }
  return v("medium", "clean", "clean deletes untracked files when clean.requireForce is off");
}

function classifyWorktree(rest: readonly string[]): Verdict {
  const sub = rest.find((a) => !a.startsWith("-"));
  if (sub === "remove" && hasOption(rest, ["--force"], "f"))
    return v(
      "high",
      "worktree-remove-force",
      "worktree remove --force deletes a worktree with uncommitted changes",
    );
  if (sub === "list") return v("low", "read", "lists worktrees");
  return v(
    "low",
    "worktree",
    `worktree ${sub ?? ""} changes only local worktrees (git refuses to lose changes)`.trim(),
  );
}

function classifySubcommand(sub: string, rest: readonly string[]): Verdict {
  if (sub !== "grep" && hasOption(rest, ["--help"])) return v("low", "help", `shows help for git ${sub}`);
  switch (sub) {
    case "push":
      return classifyPush(rest);
    case "checkout":
      return classifyCheckout(rest);
    case "switch":
      if (hasOption(rest, ["--force", "--discard-changes"], "f", "cC"))
        return v("high", "switch-force", "switch --force/--discard-changes throws away uncommitted changes");
      return v("low", "switch", "switches branches (git refuses if uncommitted work would be lost)");
    case "restore":
      return classifyRestore(rest);
    case "reset":
      return classifyReset(rest);
    case "clean":
      return classifyClean(rest);
    case "branch":
      return classifyBranch(rest);
    case "stash":
      return classifyStash(rest);
    case "config":
      return classifyConfig(rest);
    case "worktree":
      return classifyWorktree(rest);
    case "tag":
      if (hasOption(rest, ["--delete"], "d")) return v("medium", "tag-delete", "deletes a local tag");
      if (hasOption(rest, ["--force"], "f")) return v("medium", "tag-force", "moves an existing tag");
      return v("low", "tag", "lists or creates tags");
    case "rebase":
      if (hasOption(rest, ["--exec"], "x"))
        return v("high", "rebase-exec", "rebase --exec runs a shell command after each commit");
      if (hasOption(rest, ["--abort", "--continue", "--quit", "--show-current-patch"]))
        return v("low", "rebase-control", "continues or abandons a rebase in progress");
      if (hasOption(rest, ["--interactive"], "i"))
        return v("medium", "rebase-interactive", "interactive rebase rewrites local history in an editor");
      return v("medium", "rebase", "rebase rewrites local commits (recoverable from the reflog)");
    case "update-ref":
      if (hasOption(rest, [], "d"))
        return v("high", "update-ref-delete", "update-ref -d deletes a ref, bypassing safety checks");
      if (hasOption(rest, ["--stdin"]))
        return v("high", "update-ref-stdin", "update-ref --stdin applies ref changes read from input");
      return v("medium", "update-ref", "update-ref moves a ref directly");
    case "symbolic-ref":
      return hasOption(rest, ["--delete"], "d")
        ? v("medium", "symbolic-ref", "deletes a symbolic ref")
        : v("low", "read", "reads or sets a symbolic ref");
    case "filter-branch":
    case "filter-repo":
      return v("high", "history-rewrite", `git ${sub} rewrites the whole history of the repository`);
    case "reflog": {
      const s = rest.find((a) => !a.startsWith("-"));
      if (s === "expire" || s === "delete")
        return v(
          "high",
          "reflog-expire",
          "expiring the reflog removes the record needed to recover lost commits",
        );
      return v("low", "read", "reads the reflog");
    }
    case "gc": {
      const prune = optionValues(rest, ["--prune"])[0];
      if (prune !== undefined && /^(now|all|\d+\.(seconds?|minutes?)\.ago)$/i.test(prune))
        return v(
          "high",
          "gc-prune-now",
          "gc --prune=now deletes unreachable commits at once, so lost work cannot be recovered",
        );
      return v("low", "gc", "housekeeping that keeps recent unreachable objects");
    }
    case "prune":
      if (hasOption(rest, ["--dry-run"], "n")) return v("low", "read", "prune --dry-run only lists objects");
      return v("high", "prune", "prune deletes unreachable objects, so lost commits cannot be recovered");
    case "rm":
      if (hasOption(rest, ["--cached"]))
        return v("low", "rm-cached", "stops tracking files (they stay on disk)");
      if (hasOption(rest, ["--force"], "f"))
        return v("medium", "rm-force", "rm --force deletes files even with uncommitted changes");
      return v("low", "rm", "removes tracked files (recoverable from the last commit)");
    case "submodule": {
      const s = rest.find((a) => !a.startsWith("-"));
      if (s === "foreach")
        return v("high", "submodule-foreach", "submodule foreach runs a shell command in every submodule");
      if (s === "deinit" && hasOption(rest, ["--force", "--all"], "f"))
        return v(
          "high",
          "submodule-deinit",
          "submodule deinit --force removes submodule working trees with local changes",
        );
      return v("low", "submodule", "manages submodules");
    }
    case "bisect":
      if (rest.find((a) => !a.startsWith("-")) === "run")
        return v("high", "bisect-run", "bisect run executes a command on many commits");
      return v("low", "bisect", "bisects history");
    case "difftool":
    case "mergetool":
      if (hasOption(rest, ["--extcmd", "--tool-help"], "x"))
        return v("high", "tool-exec", `git ${sub} --extcmd runs a command of your choosing`);
      return v("medium", "tool", `git ${sub} opens an external tool`);
    case "send-email":
      if (
        rest.some(
          (a) => /^--(to-cmd|cc-cmd|header-cmd|smtp-server=\/|sendmail-cmd)/.test(a) || a === "--smtp-server",
        )
      )
        return v("high", "send-email-exec", "send-email is told to run a command");
      return v("medium", "send-email", "sends email");
    case "remote": {
      const s = rest.find((a) => !a.startsWith("-"));
      if (s === undefined || s === "show" || s === "get-url" || s === "prune" || s === "update")
        return v("low", "read", "reads or refreshes remotes");
      return v("medium", "remote-change", `remote ${s} changes where git fetches from or pushes to`);
    }
    case "credential":
    case "credential-store":
    case "credential-cache":
      return v("high", "credential", `git ${sub} reads or stores saved credentials`);
    case "daemon":
    case "instaweb":
    case "http-backend":
    case "shell":
    case "upload-pack":
    case "receive-pack":
    case "fast-import":
    case "fast-export":
    case "replace":
    case "read-tree":
    case "gui":
    case "citool":
      return v("medium", "plumbing", `git ${sub} is unusual in agent work`);
  }
  if (sub === "grep") {
    if (hasOption(rest, ["--open-files-in-pager"], "O"))
      return v("high", "grep-pager", "grep --open-files-in-pager runs a pager command");
    return v("low", "read", "searches tracked files");
  }
  if (READ.has(sub)) return v("low", "read", `git ${sub} only reads the repository`);
  if (LOCAL.has(sub)) {
    return v("low", "local", `git ${sub} is local, recoverable work`);
  }
  return v(
    "medium",
    "unknown-subcommand",
    `\`git ${sub}\` is not a known git command (it may be an alias that runs anything)`,
  );
}

/** Subcommands where a run-time value could be a flag that changes everything (`git checkout "$X"`). */
const SENSITIVE = new Set([
  "push",
  "checkout",
  "switch",
  "restore",
  "reset",
  "clean",
  "branch",
  "stash",
  "worktree",
  "tag",
  "update-ref",
  "reflog",
  "gc",
  "rm",
  "config",
]);

export function classifyGit(inv: Invocation, _ctx: RuleContext, index: number): Finding[] {
  const words = inv.argv.slice(1);
  const list = words.map((w) => w.value);
  const { globals, sub, at, rest } = splitAtSubcommand(list, GLOBAL_GRAMMAR);
  const found: Verdict[] = [...envFindings(inv)];
  for (const kv of optionValues(globals, ["-c"], ["-c"])) {
    const f = configFinding(kv, "git -c");
    if (f) found.push(f);
  }
  for (const ce of optionValues(globals, ["--config-env"])) {
    const key = ce.slice(0, ce.indexOf("=") === -1 ? ce.length : ce.indexOf("="));
    if (dangerousGitConfig(key, undefined))
      found.push(
        v(
          "high",
          "config-exec",
          `git --config-env sets ${key} from the environment, which makes git run a program`,
        ),
      );
  }
  if (globals.some((a) => a.startsWith("--exec-path=")))
    found.push(v("high", "exec-path", "git --exec-path= runs git commands from another directory"));
  if (sub === undefined || sub.startsWith("-")) {
    found.push(v("low", "read", "git without a subcommand only prints help or version"));
  } else if (words[at]?.dynamic) {
    found.push(v("medium", "dynamic-subcommand", "the git subcommand is only known at run time"));
  } else {
    found.push(classifySubcommand(sub, rest), ...transportFindings(sub, rest));
    // `git reset` without --hard/--merge/--keep only moves the index (and HEAD): a glob there (`docs/*.png`)
    // unstages files. A glob that starts with a literal name cannot expand to an option; `$X` or `*` can.
    const indexOnly = sub === "reset" && !rest.some((a) => /^--(hard|merge|keep)$/.test(a));
    const pathGlob = (w: Word) => /^[\w./@+][^$`'"]*$/.test(w.text);
    if (SENSITIVE.has(sub)) {
      const dyn = words.slice(at + 1).find((w) => w.dynamic && !(indexOnly && pathGlob(w)));
      if (dyn)
        found.push(
          v(
            "medium",
            "dynamic-argument",
            `\`${dyn.text}\` is only known at run time, so what git ${sub} will do cannot be checked`,
          ),
        );
    }
  }
  return found.map((f) => finding(f.risk, f.rule, f.reason, index));
}

export const gitPack: RulePack = {
  name: "git",
  programs: ["git"],
  classify: classifyGit,
};
