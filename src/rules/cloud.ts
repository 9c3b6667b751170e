// Cloud CLIs (aws, gcloud/gsutil, az, hcloud, doctl, oci): describe/list/get are free; creating and
// changing resources asks; deleting asks louder; changing identity, keys or secrets (who may do what,
// what can be decrypted) is refused by default; printing secret values or access tokens asks, because the
// value lands in the agent's transcript. Targets (profile, project, subscription) are exported for policy.
import type { Finding, Invocation, Risk, RuleContext } from "../types.ts";
import { assigned, hasOption, type OptionGrammar, operands, optionValues } from "./cli.ts";
import type { RulePack } from "./pack.ts";
import { finding } from "./util.ts";

type Verdict = { risk: Risk; rule: string; reason: string };
const v = (risk: Risk, rule: string, reason: string): Verdict => ({ risk, rule: `cloud.${rule}`, reason });

/** Most cloud CLI options take values; these are the common boolean ones. */
const FLAGS = [
  "--debug",
  "--no-verify-ssl",
  "--no-paginate",
  "--no-sign-request",
  "--no-cli-pager",
  "--cli-auto-prompt",
  "--no-cli-auto-prompt",
  "--dry-run",
  "--no-dry-run",
  "--dryrun",
  "--recursive",
  "--force",
  "--quiet",
  "--help",
  "--async",
  "--log-http",
  "--no-user-output-enabled",
  "--user-output-enabled",
  "--verbose",
  "--yes",
  "--all",
  "--only-show-errors",
  "--with-decryption",
  "--no-with-decryption",
  "--skip-final-snapshot",
  "--delete-automated-backups",
  "--no-wait",
  "--wait",
  "--json",
  "--raw",
  "--force-delete-without-recovery",
  "--exact-timestamps",
  "--delete",
  "--include-deleted",
  "--dangerous",
  "--no-header",
  "--interactive",
  "--no-prompt",
];
const GRAMMAR: OptionGrammar = {
  values: ["-o", "-p", "-g", "-n", "-l", "-c"],
  longTakeValue: true,
  flags: FLAGS,
};

/** Where a cloud CLI invocation points: the policy stage matches these against production targets. */
export interface CloudTarget {
  provider: "aws" | "gcp" | "azure" | "hetzner" | "digitalocean" | "oracle";
  profile?: string;
  region?: string;
  project?: string;
  subscription?: string;
  context?: string;
}

const PROVIDER: Record<string, CloudTarget["provider"]> = {
  aws: "aws",
  gcloud: "gcp",
  gsutil: "gcp",
  bq: "gcp",
  az: "azure",
  hcloud: "hetzner",
  doctl: "digitalocean",
  oci: "oracle",
};

export function cloudTarget(inv: Invocation): CloudTarget | undefined {
  const provider = inv.program ? PROVIDER[inv.program] : undefined;
  if (provider === undefined) return undefined;
  const list = inv.argv.slice(1).map((w) => w.value);
  const opt = (...names: string[]): string | undefined => optionValues(list, names).pop();
  const t: CloudTarget = { provider };
  const set = <K extends keyof CloudTarget>(k: K, value: CloudTarget[K] | undefined): void => {
    if (value !== undefined) t[k] = value;
  };
  if (provider === "aws") {
    set("profile", opt("--profile") ?? assigned(inv, "AWS_PROFILE") ?? assigned(inv, "AWS_DEFAULT_PROFILE"));
    set("region", opt("--region") ?? assigned(inv, "AWS_REGION") ?? assigned(inv, "AWS_DEFAULT_REGION"));
  } else if (provider === "gcp") {
    set(
      "project",
      opt("--project", "--project_id") ??
        assigned(inv, "CLOUDSDK_CORE_PROJECT") ??
        assigned(inv, "GOOGLE_CLOUD_PROJECT"),
    );
    set("region", opt("--region", "--zone"));
    set("profile", opt("--configuration") ?? assigned(inv, "CLOUDSDK_ACTIVE_CONFIG_NAME"));
    set("context", opt("--account", "--impersonate-service-account"));
  } else if (provider === "azure") {
    set("subscription", opt("--subscription") ?? assigned(inv, "AZURE_SUBSCRIPTION_ID"));
    set("project", opt("--resource-group", "-g"));
  } else {
    set("context", opt("--context") ?? assigned(inv, "HCLOUD_CONTEXT"));
    set("profile", opt("--profile", "--config-file"));
    set("region", opt("--region"));
  }
  return t;
}

type VerbClass = "read" | "destroy" | "change";

const READ_VERBS = new Set([
  "describe",
  "list",
  "ls",
  "get",
  "show",
  "head",
  "lookup",
  "search",
  "scan",
  "select",
  "view",
  "wait",
  "help",
  "version",
  "info",
  "check",
  "validate",
  "estimate",
  "preview",
  "simulate",
  "test",
  "detect",
  "tail",
  "whoami",
  "read",
  "logs",
  "browse",
  "explain",
  "inspect",
  "stat",
  "du",
  "cat",
  "summary",
  "filter",
  "poll",
  "batch-get",
]);
const DESTROY_VERBS = new Set([
  "terminate",
  "delete",
  "destroy",
  "remove",
  "rm",
  "rb",
  "purge",
  "deregister",
  "release",
  "revoke",
  "uninstall",
  "wipe",
  "erase",
  "drop",
  "del",
  "discard",
  "truncate",
]);

/** The class of a verb word by its first segment (`describe-instances`, `add-iam-policy-binding`). */
function verbClass(word: string): VerbClass | undefined {
  const head = word.toLowerCase().split("-")[0]!;
  if (word.toLowerCase().startsWith("batch-get") || word === "access") return "read";
  if (READ_VERBS.has(head)) return "read";
  if (DESTROY_VERBS.has(head)) return "destroy";
  return undefined;
}

const IAM_POLICY =
  /(^|-)(add|set|remove|put|attach|detach|delete|update|create)-.*(iam|policy|permission|role|binding|grant)/i;

function classifyAws(list: readonly string[]): Verdict[] {
  const ops = operands(list, GRAMMAR).map((o) => o.value);
  const [service, op] = ops;
  if (service === undefined || service === "help" || op === "help" || hasOption(list, ["--help"]))
    return [v("low", "read", "shows help")];
  const dry = hasOption(list, ["--dry-run", "--dryrun"]);
  if (service === "s3") return [classifyS3(op, list, ops.slice(2))];
  if (service === "configure") {
    if (op === "get" && /secret|token|key_id/i.test(ops[2] ?? ""))
      return [v("high", "credential-read", `prints the stored credential ${ops[2]}`)];
    if (op === "export-credentials") return [v("high", "credential-read", "prints AWS credentials")];
    if (op === "list" || op === "list-profiles" || op === "get")
      return [v("low", "read", "reads AWS CLI settings")];
    return [v("medium", "configure", "changes AWS CLI credentials or settings")];
  }
  if (op === undefined) return [v("low", "read", `aws ${service} without an operation prints help`)];
  const what = `aws ${service} ${op}`;
  if (service === "secretsmanager" && /^(batch-)?get-secret-value$/.test(op))
    return [v("high", "secret-read", `${what} prints a secret's value`)];
  if (service === "ssm" && /^get-parameter/.test(op) && hasOption(list, ["--with-decryption"]))
    return [v("high", "secret-read", `${what} --with-decryption prints secret parameters`)];
  if (service === "kms" && (op === "decrypt" || op.startsWith("generate-data-key")))
    return [v("high", "secret-read", `${what} reveals decrypted key material`)];
  if (
    service === "sts" &&
    (op === "get-session-token" || op.startsWith("assume-role") || op === "get-federation-token")
  )
    return [v("high", "credential-read", `${what} prints temporary credentials`)];
  if (service === "ecr" && op === "get-login-password")
    return [v("medium", "credential-read", "prints a registry login token")];
  const cls = verbClass(op);
  if (cls === "read") return [v("low", "read", `${what} only reads`)];
  if (dry) return [v("low", "dry-run", `${what} --dry-run only checks permissions`)];
  if (
    [
      "iam",
      "kms",
      "secretsmanager",
      "organizations",
      "sso-admin",
      "identitystore",
      "sso",
      "accessanalyzer",
    ].includes(service)
  )
    return [
      v(
        "critical",
        `${service}-change`,
        `${what} changes ${SENSITIVE_WHAT[service] ?? "identity or access"}`,
      ),
    ];
  if (IAM_POLICY.test(op))
    return [v("critical", "access-policy", `${what} changes who may access resources`)];
  if (cls === "destroy") {
    if (
      hasOption(list, [
        "--skip-final-snapshot",
        "--delete-automated-backups",
        "--force-delete-without-recovery",
      ])
    )
      return [
        v(
          "critical",
          "delete-no-backup",
          `${what} deletes without keeping a final snapshot or recovery window`,
        ),
      ];
    return [v("high", "delete", `${what} deletes cloud resources`)];
  }
  return [v("medium", "change", `${what} creates or changes cloud resources`)];
}

const SENSITIVE_WHAT: Record<string, string> = {
  iam: "IAM users, roles or policies (who may do what)",
  kms: "encryption keys (losing a key loses the data it protects)",
  secretsmanager: "stored secrets",
  organizations: "the organisation's accounts and guardrails",
  "sso-admin": "single sign-on permissions",
};

function classifyS3(op: string | undefined, list: readonly string[], paths: readonly string[]): Verdict {
  const recursive = hasOption(list, ["--recursive"]);
  const target = paths.join(" ");
  if (hasOption(list, ["--dryrun", "--dry-run"]))
    return v("low", "dry-run", "s3 --dryrun only lists what would happen");
  switch (op) {
    case undefined:
    case "ls":
    case "presign":
      return v("low", "read", "lists or reads S3");
    case "rm":
      return v(
        "high",
        recursive ? "s3-rm-recursive" : "s3-rm",
        `deletes ${recursive ? "everything under " : ""}${target} from S3`,
      );
    case "rb":
      return v(
        "high",
        "s3-rb",
        `deletes bucket ${target}${hasOption(list, ["--force"]) ? " and every object in it" : ""}`,
      );
    case "sync":
      if (hasOption(list, ["--delete"]))
        return v(
          "high",
          "s3-sync-delete",
          `sync --delete removes files at ${paths[1] ?? "the destination"} that are not in ${paths[0] ?? "the source"}`,
        );
      return v("medium", "s3-sync", `copies files to ${paths[1] ?? "the destination"}`);
    case "cp":
    case "mv":
      if (paths.length >= 2 && !paths[1]!.startsWith("s3://"))
        return v(op === "mv" ? "medium" : "low", "s3-download", `downloads ${paths[0]} to ${paths[1]}`);
      return v(
        "medium",
        `s3-${op}`,
        `${op === "mv" ? "moves" : "uploads"} ${paths[0] ?? ""} to ${paths[1] ?? "S3"}`,
      );
    default:
      return v("medium", "s3", `s3 ${op} changes S3`);
  }
}

/** Groups whose changes alter identity, keys or secrets. */
const GCP_SENSITIVE = new Set([
  "iam",
  "kms",
  "secrets",
  "organizations",
  "resource-manager",
  "access-context-manager",
  "identity",
]);
const AZ_SENSITIVE = new Set(["role", "ad", "keyvault", "identity", "policy", "lock"]);

/** gcloud / az / doctl / hcloud / oci: a path of groups, then a verb, then names and flags. */
function classifyPathCli(program: string, list: readonly string[]): Verdict[] {
  const ops = operands(list, GRAMMAR).map((o) => o.value);
  if (ops.length === 0 || hasOption(list, ["--help"], "h", "opgnlc"))
    return [v("low", "read", `${program} help or version`)];
  const verbAt = ops.findIndex(
    (w) => verbClass(w) !== undefined || /iam-policy|access-token|identity-token/.test(w),
  );
  const verb = verbAt === -1 ? ops[ops.length - 1]! : ops[verbAt]!;
  const path = verbAt === -1 ? ops : ops.slice(0, verbAt);
  const what = `${program} ${[...path, verb].join(" ")}`;
  const cls = verbClass(verb);
  if (/^print-(access|identity)-token$|^get-access-token$/.test(verb))
    return [v("high", "credential-read", `${what} prints an access token`)];
  if (program === "gcloud" && path[0] === "secrets" && verb === "access")
    return [v("high", "secret-read", `${what} prints a secret's value`)];
  if (
    program === "az" &&
    path[0] === "keyvault" &&
    ["show", "download"].includes(verb) &&
    /^(secret|key|certificate)$/.test(path[1] ?? "")
  )
    return [v("high", "secret-read", `${what} prints a Key Vault ${path[1]}`)];
  if (program === "gcloud" && path[0] === "kms" && (verb === "decrypt" || verb === "asymmetric-decrypt"))
    return [v("high", "secret-read", `${what} decrypts data`)];
  if (/iam-policy|-iam-|^add-iam|policy-binding/.test(verb) && cls !== "read")
    return [v("critical", "access-policy", `${what} changes who may access resources`)];
  if (program === "gsutil" && (path[0] === "iam" || path[0] === "acl") && verb !== "get")
    return [v("critical", "access-policy", `${what} changes who may access storage`)];
  if (
    cls === "read" ||
    (program === "gcloud" && path[0] === "config" && (verb === "list" || verb === "get-value"))
  )
    return [v("low", "read", `${what} only reads`)];
  const sensitive =
    program === "gcloud"
      ? GCP_SENSITIVE.has(path[0] ?? "")
      : program === "az"
        ? AZ_SENSITIVE.has(path[0] ?? "")
        : false;
  if (sensitive) return [v("critical", "identity-change", `${what} changes identity, keys or secrets`)];
  if (cls === "destroy") {
    if (
      (program === "gcloud" && path.length === 1 && path[0] === "projects") ||
      (program === "az" && path[0] === "group")
    )
      return [
        v(
          "critical",
          "delete-project",
          `${what} deletes a whole ${program === "az" ? "resource group" : "project"} with everything in it`,
        ),
      ];
    if (program === "gsutil" && verb === "rm" && hasOption(list, [], "rR"))
      return [
        v(
          "high",
          "storage-rm-recursive",
          `${what} deletes everything under ${ops.slice(verbAt + 1).join(" ")}`,
        ),
      ];
    return [v("high", "delete", `${what} deletes cloud resources`)];
  }
  if (program === "gsutil" && verb === "rsync" && hasOption(list, [], "d"))
    return [
      v(
        "high",
        "storage-sync-delete",
        "rsync -d deletes files at the destination that are not in the source",
      ),
    ];
  if (program === "gcloud" && path[0] === "auth" && verb === "login")
    return [v("medium", "auth", "logs in (stores credentials)")];
  if (
    program === "gcloud" &&
    path[0] === "storage" &&
    verb === "rsync" &&
    hasOption(list, ["--delete-unmatched-destination-objects"])
  )
    return [v("high", "storage-sync-delete", "rsync deletes destination objects that are not in the source")];
  return [v("medium", "change", `${what} creates or changes cloud resources`)];
}

export function classifyCloud(inv: Invocation, _ctx: RuleContext, index: number): Finding[] {
  const list = inv.argv.slice(1).map((w) => w.value);
  const out = inv.program === "aws" ? classifyAws(list) : classifyPathCli(inv.program ?? "", list);
  const verbWord = inv.argv.slice(1).find((w) => !w.value.startsWith("-"));
  if (verbWord?.dynamic)
    out.push(v("medium", "dynamic-argument", `\`${verbWord.text}\` is only known at run time`));
  return out.map((f) => finding(f.risk, f.rule, f.reason, index));
}

export const cloudPack: RulePack = {
  name: "cloud",
  programs: ["aws", "gcloud", "gsutil", "az", "hcloud", "doctl", "oci"],
  classify: classifyCloud,
};
