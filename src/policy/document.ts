// The policy file format (one YAML document per layer). Built-in templates are written in this shape as
// TypeScript objects so the default path never parses YAML; `schema.ts` validates files against it.
import type { Decision, Risk } from "../types.ts";

export type PathOpName = "read" | "write" | "delete" | "execute";
export type PermissionName = "none" | "read" | "write" | "delete" | "execute" | "full";
export type Permission = PermissionName | PathOpName[];

/**
 * Tier names other agent-safety systems give risks (any letter case in a file; canonical upper case once
 * validated): FREE = low, REVIEW = medium, APPROVE = high, BLOCK = forbidden (never runs). See aliases.ts.
 */
export type Tier = "FREE" | "REVIEW" | "APPROVE" | "BLOCK";
/** A risk as a policy may spell it where no forbidden is possible (unknown risk, decision keys). */
export type RiskName = Risk | Exclude<Tier, "BLOCK">;

/** A custom rule: matches an invocation, then sets its risk and/or decision. */
export interface RuleDoc {
  /** Argv pattern, prefix match with globs per word, flag-aware: `git push --force*`. */
  match?: string;
  /** Program name(s), globs allowed. */
  program?: string | string[];
  /** First positional word(s) after global options: `push`, `rollout restart`. */
  subcommand?: string | string[];
  /** Regex on the normalised invocation (argv values joined by single spaces). */
  regex?: string;
  /** The whole argv must equal `match` word for word (no extra words, no env assignments). */
  exact?: boolean;
  /** `BLOCK` makes the rule a forbidden entry: what it matches never runs. */
  risk?: Risk | Tier;
  decision?: Decision;
  reason?: string;
  expires?: string;
  /** Required to loosen a deny set by an earlier layer or the built-in rules. */
  override?: boolean;
}

export interface ForbiddenDoc {
  match?: string;
  program?: string | string[];
  regex?: string;
  reason?: string;
  /** Removes an earlier forbid with the same `match`/`program` (needs `override: true`). */
  remove?: boolean;
  override?: boolean;
  expires?: string;
}

export interface BlocklistDoc {
  programs: string[];
  /** OS users (globs) it applies to; absent = everyone. */
  users?: string[];
  /** Agent names (globs) it applies to; absent = every agent. */
  agents?: string[];
  profiles?: string[];
  reason?: string;
  expires?: string;
}

export interface PathEntryDoc {
  path: string;
  permission: Permission;
  /** Decision when an operation exceeds this entry's permission (default: `paths.decision`). */
  decision?: "ask" | "deny";
  reason?: string;
  expires?: string;
  /** The grant applies to writes/deletes of existing files no larger than this (`1MB`, `512k`). */
  max_size?: string | number;
}

export interface PathsDoc {
  /** The workspace root with full control (default: the request's cwd). */
  workspace?: string;
  /** Permission outside the workspace (default `read`). */
  outside?: Permission;
  /** Decision when an operation exceeds the permission (default `ask`). */
  decision?: "ask" | "deny";
  entries?: PathEntryDoc[];
}

export interface SecretsDoc {
  /** Extra secret path globs. */
  paths?: string[];
  /** Globs that are never secret (examples, templates). */
  except?: string[];
  decision?: "ask" | "deny";
}

export interface ProductionDoc {
  namespaces?: string[];
  contexts?: string[];
  aws_profiles?: string[];
  gcp_projects?: string[];
  hosts?: string[];
  databases?: string[];
  /** `raise`: medium→high, high→critical; `ask`/`deny`: at least that decision. */
  action?: "raise" | "ask" | "deny";
}

export interface YoloDoc {
  allowed_users?: string[];
  allow_critical?: boolean;
}

export interface ContainerDoc {
  /** The agent's commands run inside this container or VM; only forbidden commands are refused. */
  backend: string;
  name?: string;
}

/** Resource limits of a sandboxed run (`prlimit`, plus a cgroup where the host allows it). */
export interface LimitsDoc {
  /** Address space (RLIMIT_AS) and cgroup memory: `4GiB`. Runtimes that reserve large virtual ranges need room. */
  memory?: string | number;
  /** CPU seconds per process (RLIMIT_CPU). */
  cpu?: number;
  /** Largest file a process may write (RLIMIT_FSIZE): `1GiB`. */
  file_size?: string | number;
  /** Open file descriptors per process (RLIMIT_NOFILE). */
  open_files?: number;
  /** Processes: cgroup pids.max, and RLIMIT_NPROC (counted per user, system-wide; root is exempt). */
  processes?: number;
}

/** How `warden exec` (and MCP run_command, `warden verify`) confine what they run. */
export interface SandboxDoc {
  /**
   * `confine` (default): a hook agent's allowed shell command is rewritten to run through `warden exec` in the
   * sandbox; `off`: the agent runs it itself, unconfined. An untrusted layer can only choose `confine`.
   */
  hooks?: "confine" | "off";
  /** Decisions for commands that will run confined, without network: `medium: allow` (default) or `ask`. */
  confined_decisions?: { medium?: "allow" | "ask" };
  /**
   * When bubblewrap cannot run here: `refuse` (default) or `unconfined` — run without the sandbox and record
   * it. `--sandbox=on` refuses regardless; `--sandbox=off` is the user's explicit choice.
   */
  unavailable?: "refuse" | "unconfined";
  /** Share the host network (default false; `--net` grants it for one run). */
  network?: boolean;
  /** Allow socket(AF_UNIX): reaches host daemons such as docker.sock by path (default false). */
  unix_sockets?: boolean;
  /**
   * `warden run` sessions (a whole agent in the sandbox): `network: true` (default; the agent needs its API)
   * or `false`. An untrusted layer can only turn it off.
   */
  session?: { network?: boolean };
  /** Environment variables passed from the caller, on top of PATH, HOME, LANG, TERM, USER. */
  env?: string[];
  /** Default wall-clock timeout in seconds (`--timeout` overrides; untrusted layers only shorten it). */
  timeout?: number;
  limits?: LimitsDoc;
}

export interface AuditDoc {
  /** Refuse to run a command that cannot be recorded (default true). */
  required?: boolean;
}

export type DecisionsDoc = Partial<Record<RiskName, Decision>> & {
  /** Forbidden commands always deny: accepted (as `deny`) for files written with tier names, changes nothing. */
  BLOCK?: "deny";
  override?: boolean;
};

/** A path named by an alias section: a plain path, or a path with a permission. */
export type PathGrantDoc = string | { path: string; permission?: Permission };

/**
 * Aliases: configuration keys of the agent-safety systems Warden is built for, accepted and compiled onto
 * Warden's own keys (`warden policy lint` names the equivalent). See aliases.ts for the mapping.
 */
export interface FilesystemDoc {
  /** → `paths.entries`; permission defaults to `read` (agents may read, not write or delete). */
  protected_paths?: PathGrantDoc[];
  /** → `paths.entries`; read-only context by default (`read`). */
  context_paths?: PathGrantDoc[];
}

export interface SafetyDoc {
  /** true → `production.action: deny`; false → `production.action: raise`. */
  block_production?: boolean;
  /** → `production.namespaces`. */
  production_namespaces?: string[];
  /** true → `decisions.critical: allow` (an override, warned about in every verdict); false → deny. */
  allow_critical?: boolean;
  /** false → medium and high risk that would ask are allowed (warned about in every verdict); true → they ask. */
  require_approval?: boolean;
}

export interface ExecutionDoc {
  /** true → `decisions.low: allow`; false → `decisions.low: ask`. */
  auto_approve_low_risk?: boolean;
  /**
   * true → high risk is denied unless run as a dry run (the devops template's rule: `kubectl|helm … --dry-run`,
   * `aws … --dry-run` are medium, `terraform plan` low); kept for multi-step plans as `dryRun.required`.
   */
  require_dry_run?: boolean;
}

export type DaemonMode = "off" | "auto" | "required";

/** Everything a layer or a profile can say. */
export interface PolicyBody {
  unknown?: RiskName;
  decisions?: DecisionsDoc;
  /** False when nobody can answer a prompt (CI): every ask becomes deny. */
  approvals?: boolean;
  rules?: RuleDoc[];
  forbidden?: (string | ForbiddenDoc)[];
  blocklists?: BlocklistDoc[];
  paths?: PathsDoc;
  secrets?: SecretsDoc;
  production?: ProductionDoc;
  yolo?: YoloDoc;
  container?: ContainerDoc;
  sandbox?: SandboxDoc;
  audit?: AuditDoc;
  filesystem?: FilesystemDoc;
  safety?: SafetyDoc;
  execution?: ExecutionDoc;
}

export interface ProfileDoc extends PolicyBody {
  description?: string;
  /** Selected automatically for these OS users / agent names (globs) when no --profile is given. */
  users?: string[];
  agents?: string[];
}

export interface PolicyDocument extends PolicyBody {
  $schema?: string;
  version?: 1;
  /** Templates this layer builds on, applied before its own content. */
  extends?: string | string[];
  /** Honoured in the user layer only: lets `.warden/policy.yaml` in a repository loosen, too. */
  trust_repo_policy?: boolean;
  /**
   * The resident `warden daemon`: `off` (default: clients use it when it runs), `auto` (the first client
   * starts it), `required` (a hook blocks every tool call while it is unreachable). A repository layer may
   * only say `required`.
   */
  daemon?: DaemonMode;
  profiles?: Record<string, ProfileDoc>;
  /**
   * Who may approve: name → Ed25519 public key as `warden keys init` prints it. Honoured in the user policy
   * and `--policy` files, never in a repository's .warden/policy.yaml (an agent can write that file).
   */
  approvers?: Record<string, string>;
  /** Approval settings (same trust rule as `approvers`). */
  approval?: { two_person?: Risk[]; ttl?: string | number; max_ttl?: string | number };
  /** Acceptance commands for `warden verify`. */
  must_fail?: string[];
  must_succeed?: string[];
}
