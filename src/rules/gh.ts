// The GitHub CLI: `gh [-R OWNER/REPO] NOUN VERB …`. Reading is low; creating, commenting and merging are
// questions (a person can judge and undo them); deleting repositories, releases and runs is high, and a
// repository deletion that skips gh's own confirmation is irreversible (critical).
import type { Finding, Invocation } from "../types.ts";
import type { RulePack } from "./pack.ts";
import { finding } from "./util.ts";

/** Global options that take a value. */
const VALUE_OPTIONS = new Set(["-R", "--repo", "--hostname"]);

const READ_VERBS = new Set(["view", "list", "ls", "status", "diff", "checks", "watch", "download", "search"]);
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
]);
const DESTROY_VERBS = new Set(["delete", "archive", "rename", "logout", "remove", "unarchive"]);
/** Nouns whose every verb only reads. */
const READ_NOUNS = new Set(["search", "status", "browse", "help", "version", "completion"]);

/** `gh api` reads unless it names another method or sends fields (which make it a POST). */
function api(rest: readonly string[], index: number): Finding[] {
  let method = "GET";
  let sends = false;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const m = /^(?:-X|--method)(?:=(.*))?$/.exec(a) ?? /^-X(.+)$/.exec(a);
    if (m) method = (m[1] ?? rest[++i] ?? "").toUpperCase();
    else if (/^(-f|-F|--field|--raw-field|--input)(=|$)/.test(a) || /^-[fF].+/.test(a)) sends = true;
  }
  if (sends && method === "GET" && !rest.some((a) => /^(-X|--method)/.test(a))) method = "POST";
  if (method === "GET" || method === "HEAD")
    return [finding("low", "gh.api-read", "`gh api` reads from GitHub", index)];
  if (method === "DELETE")
    return [finding("high", "gh.api-delete", "`gh api -X DELETE` deletes on GitHub", index)];
  return [
    finding("medium", "gh.api-write", `\`gh api\` sends a ${method} request that changes GitHub`, index),
  ];
}

function classifyGh(inv: Invocation, index: number): Finding[] {
  const words = inv.argv.slice(1).map((w) => w.value);
  const positional: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (VALUE_OPTIONS.has(w)) i++;
    else if (!w.startsWith("-")) positional.push(w);
    if (positional.length === 2) break;
  }
  const [noun = "", verb = ""] = positional;
  const rest = words.slice(words.indexOf(noun) + 1);
  if (noun === "" || words.some((w) => w === "--help" || w === "-h" || w === "--version"))
    return [finding("low", "gh.read", "`gh` only prints help or its version", index)];
  if (noun === "api") return api(rest, index);
  if (noun === "auth" && verb === "token")
    return [finding("high", "gh.auth-token", "`gh auth token` prints your GitHub token", index)];
  if (noun === "auth" && verb === "status")
    return [finding("low", "gh.read", "`gh auth status` reads", index)];
  if (READ_NOUNS.has(noun)) return [finding("low", "gh.read", `\`gh ${noun}\` only reads`, index)];
  if (noun === "extension" || noun === "ext" || noun === "alias") {
    if (READ_VERBS.has(verb)) return [finding("low", "gh.read", `\`gh ${noun} ${verb}\` only reads`, index)];
    return [
      finding("medium", "gh.extension", `\`gh ${noun} ${verb}\` installs or changes gh commands`, index),
    ];
  }
  if (noun === "repo" && verb === "clone")
    return [finding("low", "gh.clone", "`gh repo clone` copies a repository here", index)];
  if (noun === "pr" && verb === "checkout")
    return [finding("low", "gh.pr-checkout", "`gh pr checkout` switches the local branch", index)];
  if (noun === "repo" && verb === "delete") {
    const unconfirmed = rest.includes("--yes") || rest.includes("--confirm");
    return [
      finding(
        unconfirmed ? "critical" : "high",
        "gh.repo-delete",
        `\`gh repo delete\` deletes a GitHub repository for good${unconfirmed ? ", skipping confirmation" : ""}`,
        index,
      ),
    ];
  }
  if (READ_VERBS.has(verb)) return [finding("low", "gh.read", `\`gh ${noun} ${verb}\` only reads`, index)];
  if (DESTROY_VERBS.has(verb))
    return [finding("high", "gh.destroy", `\`gh ${noun} ${verb}\` deletes or renames on GitHub`, index)];
  if (CHANGE_VERBS.has(verb))
    return [finding("medium", "gh.change", `\`gh ${noun} ${verb}\` changes shared state on GitHub`, index)];
  return [finding("medium", "gh.other", `no rule knows \`gh ${noun} ${verb}\``, index)];
}

export const ghPack: RulePack = {
  name: "gh",
  programs: ["gh"],
  classify: (inv, _ctx, index) => classifyGh(inv, index),
};
