// The long tail: CLIs no pack knows (vault, gh, flyctl, heroku, stripe, restic …). Most follow
// `tool [noun] verb [noun] [--flags]`, so the first few words say whether it reads or destroys.
import type { Finding, Invocation, RuleContext } from "../types.ts";
import { ownProgram, ownScript } from "./own-code.ts";
import { normalize } from "./paths.ts";
import { finding } from "./util.ts";

const READ_VERBS = new Set([
  "list",
  "ls",
  "get",
  "describe",
  "show",
  "view",
  "status",
  "logs",
  "log",
  "info",
  "inspect",
  "search",
  "version",
  "help",
  "whoami",
  "diff",
  "check",
  "validate",
  "lint",
  "tail",
  "top",
  "cat",
  "read",
  "print",
  "explain",
  "history",
  "find",
  "query",
  "plan",
  "preview",
  "stat",
  "stats",
  "health",
  "ping",
  "doctor",
  "verify",
  "tree",
  "outdated",
  "audit",
  "events",
  "watch",
  "output",
  "current",
  "which",
  "where",
  "env",
  "lookup",
  "browse",
  "open-browser",
  "dump-schema",
  "schema",
]);

const DESTRUCTIVE_VERBS = new Set([
  "delete",
  "destroy",
  "remove",
  "rm",
  "drop",
  "purge",
  "prune",
  "terminate",
  "unregister",
  "deregister",
  "disable",
  "revoke",
  "reset",
  "wipe",
  "erase",
  "flush",
  "truncate",
  "kill",
  "uninstall",
  "nuke",
  "shred",
  "obliterate",
  "teardown",
  "decommission",
  "del",
  "rmi",
  "evict",
  "expunge",
  "clear",
  "forget",
  "deactivate",
  "suspend",
  "cancel",
  "abandon",
  "archive",
  "unpublish",
  "yank",
  "detach",
  "scrub",
  "zap",
  "format",
  "rollback",
]);

/** Verbs that do something (neither read nor destroy); seeing one ends the search for a verb. */
const OTHER_VERBS = new Set([
  "create",
  "new",
  "add",
  "run",
  "exec",
  "start",
  "stop",
  "restart",
  "apply",
  "deploy",
  "push",
  "pull",
  "build",
  "set",
  "update",
  "upgrade",
  "install",
  "login",
  "logout",
  "init",
  "backup",
  "restore",
  "sync",
  "up",
  "down",
  "open",
  "edit",
  "config",
  "configure",
  "copy",
  "cp",
  "mv",
  "move",
  "rename",
  "import",
  "export",
  "send",
  "publish",
  "release",
  "scale",
  "rollout",
  "watch",
  "test",
  "serve",
  "dev",
  "generate",
  "gen",
  "upload",
  "download",
  "fetch",
  "clone",
  "merge",
  "submit",
  "trigger",
  "invoke",
  "call",
  "ssh",
  "connect",
  "encrypt",
  "decrypt",
  "sign",
  "put",
  "post",
  "write",
  "tag",
  "enable",
  "attach",
  "mount",
  "unmount",
  "lock",
  "unlock",
  "use",
  "switch",
  "checkout",
  "commit",
  "auth",
  "token",
  "register",
  "provision",
  "migrate",
  "seed",
  "snapshot",
  "promote",
  "approve",
  "merge",
  "close",
  "reopen",
  "comment",
  "fork",
  "link",
  "unlink",
  "claim",
  "assign",
  "bootstrap",
  "setup",
  "render",
  "template",
  "convert",
  "compile",
  "bundle",
  "pack",
  "unpack",
  "extract",
  "compress",
  "format-check",
  "mirror",
  "replicate",
  "resize",
  "tunnel",
  "proxy",
  "forward",
  "port-forward",
]);

const HELP =
  /^(--help|-h|--version|-V|help|version|--dry-run|--dryrun|--dry_run|--what-if|--noop|--check|--plan)$/;
const DESTRUCTIVE_FLAGS =
  /^--(delete|purge|destroy|wipe|remove|drop|prune|force-delete|delete-all|erase|truncate|nuke)(=|$)/;

/** Splits `delete-stack`, `apps:destroy`, `remove_user` into parts; a verb is the first or last part. */
function verbParts(word: string): string[] {
  const lower = word.toLowerCase();
  const parts = lower.split(/[-_:.]/).filter(Boolean);
  return [...new Set([lower, parts[0] ?? "", parts[parts.length - 1] ?? ""])];
}

/** An identifier-shaped word (not a path, URL, number or key=value): only those can be verbs. */
const VERB_SHAPE = /^[A-Za-z][A-Za-z0-9]*([-_:][A-Za-z0-9]+)*$/;

/** Words the generic reading uses: the first few non-flag words after the program. */
function leadingWords(inv: Invocation): string[] {
  const out: string[] = [];
  for (const w of inv.argv.slice(1)) {
    if (out.length >= 3) break;
    const v = w.value;
    if (v === "--") break;
    if (v.startsWith("-")) continue;
    out.push(v);
  }
  return out;
}

export function classifyUnknown(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  const program = inv.program ?? "";
  const values = inv.argv.slice(1).map((w) => w.value);
  const options = values.slice(0, values.includes("--") ? values.indexOf("--") : values.length);
  if (options.some((v) => HELP.test(v)) || (values.length === 1 && HELP.test(values[0]!)))
    return [
      finding("low", "unknown.read", `\`${program}\` only prints help, its version or a dry run`, index),
    ];
  let destructive: string | null = null;
  let read: string | null = null;
  for (const word of leadingWords(inv)) {
    if (!VERB_SHAPE.test(word)) break; // a path or value: positional data, not a verb
    const parts = verbParts(word);
    if (parts.some((p) => DESTRUCTIVE_VERBS.has(p))) {
      destructive = word;
      break;
    }
    if (READ_VERBS.has(word.toLowerCase()) || parts.some((p) => READ_VERBS.has(p))) {
      read = word;
      break;
    }
    if (OTHER_VERBS.has(word.toLowerCase())) break;
  }
  const destructiveFlag = options.find((v) => DESTRUCTIVE_FLAGS.test(v));
  if (destructive !== null) {
    const force = options.some((v) =>
      /^(--force|-f|--yes|-y|--all|-a|--recursive|-r|--no-confirm|--confirm|--assume-yes)$/.test(v),
    );
    return [
      finding(
        "high",
        "unknown.destructive",
        `\`${program} … ${destructive}\` looks destructive${force ? " and skips confirmation or widens its scope" : ""}`,
        index,
      ),
    ];
  }
  if (destructiveFlag)
    return [
      finding(
        "high",
        "unknown.destructive-flag",
        `\`${program}\` is asked to ${destructiveFlag.replace(/^--/, "").replace(/=.*/, "")}`,
        index,
      ),
    ];
  if (read !== null) return [finding("low", "unknown.read", `\`${program} ${read}\` looks read-only`, index)];
  return (
    ownExecutable(inv, ctx, index) ?? [
      finding(ctx.unknownRisk, "unknown.command", `no rule knows \`${program}\``, index),
    ]
  );
}

/** `./scripts/x.sh` the workspace tracks, or a program its manifest declares: the project's own code. */
function ownExecutable(inv: Invocation, ctx: RuleContext, index: number): Finding[] | null {
  const name = inv.argv[0];
  if (name === undefined || name.dynamic) return null;
  if (!name.value.includes("/")) return ownProgram(name.value, ctx, index);
  return ownScript(normalize(name.value, ctx.cwd), name.value, ctx, index);
}
