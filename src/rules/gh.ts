// The GitHub CLI: `gh [-R OWNER/REPO] [--hostname H] NOUN VERB …`. Reading is low; creating, commenting and
// merging are questions (a person can judge and undo them); deleting repositories, releases and runs is high,
// and a repository deletion that skips gh's own confirmation is irreversible (critical).
import type { Finding, Invocation, Risk } from "../types.ts";
import type { RulePack } from "./pack.ts";
import { finding } from "./util.ts";

/** Global options that take a value. */
const VALUE_OPTIONS = new Set(["-R", "--repo", "--hostname"]);

const READ_VERBS = new Set([
  "view",
  "list",
  "ls",
  "status",
  "diff",
  "checks",
  "watch",
  "download",
  "search",
  "verify",
]);
/** Verbs that change shared state on GitHub but can be judged and undone. */
const CHANGE_VERBS = new Set([
  "create",
  "comment",
  "edit",
  "merge",
  "review",
  "close",
  "reopen",
  "ready",
  "upload",
  "run",
  "rerun",
  "cancel",
  "enable",
  "disable",
  "fork",
  "set",
  "lock",
  "unlock",
  "pin",
  "unpin",
  "transfer",
  "develop",
  "add",
  "login",
  "refresh",
  "setup-git",
  "switch",
  "sync",
  "unarchive",
  "update-branch",
  "revert",
  "clone",
]);
/** Verbs that delete on GitHub, or hide a repository from everyone who uses it. */
const DESTROY_VERBS = new Set(["delete", "archive", "rename", "remove"]);
/** Nouns whose every verb only reads (`gh browse` opens a browser). */
const READ_NOUNS = new Set(["search", "status", "browse", "help", "version", "completion"]);
/** `gh repo deploy-key list`: nouns one level further down. */
const SUB_NOUNS = new Set(["deploy-key", "autolink", "gitignore", "license", "ports"]);
/** gh's built-in aliases. */
const ALIASES: Record<string, [string, string]> = { co: ["pr", "checkout"] };

/** Options of `gh api` that take the next word as their value. */
const API_VALUES = new Set([
  "-H",
  "--header",
  "-q",
  "--jq",
  "-t",
  "--template",
  "--cache",
  "-p",
  "--preview",
  "--hostname",
  "-f",
  "-F",
  "--field",
  "--raw-field",
  "--input",
  "-X",
  "--method",
]);

const RANK: Record<string, number> = { GET: 0, HEAD: 0, POST: 1, PUT: 1, PATCH: 1, DELETE: 2 };

/**
 * `gh api` reads unless it names another method or sends fields or a body (which make it a POST). A GraphQL
 * query (not a mutation) given in literal `-f query=…` only reads, although gh sends it as a POST.
 */
function api(inv: Invocation, from: number, index: number): Finding[] {
  const words = inv.argv.slice(from);
  const methods: string[] = [];
  const fields: { value: string; dynamic: boolean; file: boolean }[] = [];
  let input = false;
  let endpoint: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const a = words[i]!.value;
    const long = /^(--[a-z-]+)=(.*)$/s.exec(a);
    const short = /^(-[A-Za-z])(.+)$/s.exec(a);
    let name = a;
    let value: (typeof words)[number] | undefined;
    if (long && API_VALUES.has(long[1]!)) {
      name = long[1]!;
      value = { ...words[i]!, value: long[2]! };
    } else if (short && API_VALUES.has(short[1]!) && !a.startsWith("--")) {
      name = short[1]!;
      value = { ...words[i]!, value: short[2]!.replace(/^=/, "") };
    } else if (API_VALUES.has(a)) value = words[++i];
    else {
      if (!a.startsWith("-") && endpoint === undefined) endpoint = a;
      continue;
    }
    const v = value?.value ?? "";
    if (name === "-X" || name === "--method") methods.push(v.toUpperCase());
    else if (name === "--input") input = true;
    else if (name === "-f" || name === "--raw-field")
      fields.push({ value: v, dynamic: value?.dynamic ?? true, file: false });
    else if (name === "-F" || name === "--field")
      fields.push({ value: v, dynamic: value?.dynamic ?? true, file: v.includes("=@") });
  }
  // gh uses the last -X; a word swallowed as another option's value still counts here (the worse reading).
  let method = methods.reduce((m, x) => ((RANK[x] ?? 1) > (RANK[m] ?? 1) ? x : m), methods[0] ?? "");
  if (method === "") method = fields.length > 0 || input ? "POST" : "GET";
  if (method === "POST" && endpoint === "graphql" && !input && methods.length === 0) {
    const query = fields.find((f) => f.value.startsWith("query="));
    const plain = fields.every((f) => !f.dynamic && !f.file);
    if (query && plain && !/\bmutation\b/i.test(query.value))
      return [
        finding("low", "gh.api-read", "`gh api graphql` runs a GraphQL query, which only reads", index),
      ];
  }
  if (method === "GET" || method === "HEAD")
    return [finding("low", "gh.api-read", "`gh api` reads from GitHub", index)];
  if (method === "DELETE")
    return [finding("high", "gh.api-delete", "`gh api -X DELETE` deletes on GitHub", index)];
  return [
    finding(
      "medium",
      "gh.api-write",
      `\`gh api\` sends a ${method || "request with an unknown method"} that changes GitHub`,
      index,
    ),
  ];
}

interface Parsed {
  noun: string;
  /** Index into argv of the noun. */
  nounAt: number;
  verb: string;
  /** Words after the noun. */
  rest: string[];
  help: boolean;
}

function parse(inv: Invocation): Parsed {
  const words = inv.argv.map((w) => w.value);
  const at: number[] = [];
  for (let i = 1; i < words.length && at.length < 3; i++) {
    const w = words[i]!;
    if (w === "--") break;
    if (VALUE_OPTIONS.has(w)) i++;
    else if (!w.startsWith("-")) at.push(i);
  }
  let noun = at[0] === undefined ? "" : words[at[0]]!;
  let verb = at[1] === undefined ? "" : words[at[1]]!;
  const alias = ALIASES[noun];
  if (alias) {
    [noun, verb] = alias;
  } else if (SUB_NOUNS.has(verb) && at[2] !== undefined) {
    noun = `${noun} ${verb}`;
    verb = words[at[2]]!;
  }
  // `--help` prints help and runs nothing, unless it is the value of the option before it (`-H --help`).
  const end = words.indexOf("--");
  const help = words
    .slice(0, end === -1 ? words.length : end)
    .some((w, i) => i > 0 && (w === "--help" || w === "-h") && (i === 1 || !words[i - 1]!.startsWith("-")));
  return { noun, nounAt: at[0] ?? 0, verb, rest: at[0] === undefined ? [] : words.slice(at[0] + 1), help };
}

function one(risk: Risk, rule: string, reason: string, index: number): Finding[] {
  return [finding(risk, `gh.${rule}`, reason, index)];
}

function classifyGh(inv: Invocation, index: number): Finding[] {
  const { noun, nounAt, verb, rest, help } = parse(inv);
  const has = (...flags: string[]) =>
    rest.some((a) => flags.includes(a) || flags.some((f) => a.startsWith(`${f}=`)));
  if (noun === "" || help || rest.includes("--version"))
    return one("low", "read", "`gh` only prints help or its version", index);
  if (noun === "api") return api(inv, nounAt + 1, index);
  if (noun === "auth") {
    if (verb === "token") return one("high", "auth-token", "`gh auth token` prints your GitHub token", index);
    if (verb === "git-credential")
      return one("high", "auth-token", "`gh auth git-credential` hands out your GitHub credentials", index);
    if (verb === "status" && (has("--show-token") || rest.some((a) => /^-[a-z]*t[a-z]*$/.test(a))))
      return one("high", "auth-token", "`gh auth status --show-token` prints your GitHub token", index);
    if (verb === "status") return one("low", "read", "`gh auth status` says who you are logged in as", index);
    if (verb === "logout")
      return one(
        "medium",
        "auth",
        "`gh auth logout` removes the stored GitHub login (log in again to undo)",
        index,
      );
  }
  if (READ_NOUNS.has(noun)) return one("low", "read", `\`gh ${noun}\` only reads`, index);
  if (noun === "extension" || noun === "ext" || noun === "alias") {
    if (READ_VERBS.has(verb)) return one("low", "read", `\`gh ${noun} ${verb}\` only reads`, index);
    return one("medium", "extension", `\`gh ${noun} ${verb}\` installs or changes gh commands`, index);
  }
  if (noun === "config") {
    if (verb === "get" || verb === "list" || verb === "clear-cache")
      return one("low", "read", `\`gh config ${verb}\` reads gh's settings`, index);
    return one(
      "medium",
      "config",
      `\`gh config ${verb}\` changes gh's settings (an editor or pager runs later)`,
      index,
    );
  }
  if ((noun === "repo" || noun === "gist") && verb === "clone")
    return one(
      "low",
      "clone",
      `\`gh ${noun} clone\` copies a ${noun === "gist" ? "gist" : "repository"} here`,
      index,
    );
  if (noun === "repo" && verb === "set-default")
    return one(
      "low",
      "set-default",
      "`gh repo set-default` picks the repository gh uses here (local)",
      index,
    );
  if (noun === "pr" && verb === "checkout") {
    if (has("--force") || rest.some((a) => /^-[a-z]*f[a-z]*$/.test(a)))
      return one(
        "high",
        "pr-checkout-force",
        "`gh pr checkout --force` resets the local branch to the pull request, dropping its local commits",
        index,
      );
    return one("low", "pr-checkout", "`gh pr checkout` switches the local branch", index);
  }
  if (noun === "repo" && verb === "delete") {
    const unconfirmed = has("--yes", "--confirm") || rest.includes("-y");
    return one(
      unconfirmed ? "critical" : "high",
      "repo-delete",
      `\`gh repo delete\` deletes a GitHub repository for good${unconfirmed ? ", skipping confirmation" : ""}`,
      index,
    );
  }
  if (
    noun === "repo" &&
    verb === "edit" &&
    rest.some(
      (a, i) => /^--visibility(=public)?$/.test(a) && (a.endsWith("=public") || rest[i + 1] === "public"),
    )
  )
    return one(
      "high",
      "repo-visibility",
      "`gh repo edit --visibility public` publishes the repository to everyone",
      index,
    );
  // `item-list`, `field-delete` (gh project): the last part is the verb.
  const base = verb.includes("-") && !CHANGE_VERBS.has(verb) ? verb.slice(verb.lastIndexOf("-") + 1) : verb;
  if (READ_VERBS.has(base)) return one("low", "read", `\`gh ${noun} ${verb}\` only reads`, index);
  if (DESTROY_VERBS.has(base))
    return one("high", "destroy", `\`gh ${noun} ${verb}\` deletes or renames on GitHub`, index);
  if (CHANGE_VERBS.has(base))
    return one("medium", "change", `\`gh ${noun} ${verb}\` changes shared state on GitHub`, index);
  return one("medium", "other", `no rule knows \`${["gh", noun, verb].filter(Boolean).join(" ")}\``, index);
}

export const ghPack: RulePack = {
  name: "gh",
  programs: ["gh"],
  classify: (inv, _ctx, index) => classifyGh(inv, index),
};
