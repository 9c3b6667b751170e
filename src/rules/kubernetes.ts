// kubectl / oc / helm and friends: reading the cluster is free; changing workloads asks; deleting asks
// louder; deleting namespaces, volumes or CRDs, wiping across all namespaces, and changing who may do what
// (RBAC) are refused by default, because they cannot be undone. Targets (namespace, context) are exported
// so the policy stage can treat production clusters more strictly.
import type { Finding, Invocation, Risk, RuleContext } from "../types.ts";
import { assigned, hasOption, type OptionGrammar, operands, optionValues } from "./cli.ts";
import type { RulePack } from "./pack.ts";
import { finding } from "./util.ts";

type Verdict = { risk: Risk; rule: string; reason: string };
const v = (risk: Risk, rule: string, reason: string): Verdict => ({
  risk,
  rule: `kubernetes.${rule}`,
  reason,
});

/** Options of kubectl (global and per-command) that take a value; kubectl accepts them anywhere. */
const KUBECTL: OptionGrammar = {
  values: [
    "-n",
    "--namespace",
    "--context",
    "--cluster",
    "--user",
    "--kubeconfig",
    "-s",
    "--server",
    "--token",
    "--as",
    "--as-group",
    "--as-uid",
    "--certificate-authority",
    "--client-certificate",
    "--client-key",
    "--request-timeout",
    "--tls-server-name",
    "--cache-dir",
    "-v",
    "--v",
    "--log-file",
    "--profile",
    "--profile-output",
    "-o",
    "--output",
    "-l",
    "--selector",
    "-f",
    "--filename",
    "-c",
    "--container",
    "--field-selector",
    "--grace-period",
    "--timeout",
    "--type",
    "-p",
    "--patch",
    "--patch-file",
    "--replicas",
    "--current-replicas",
    "--image",
    "-k",
    "--kustomize",
    "--template",
    "--sort-by",
    "--cascade",
    "--for",
    "--since",
    "--since-time",
    "--tail",
    "--max-log-requests",
    "--revision",
    "--to-revision",
    "--field-manager",
    "--subresource",
    "--port",
    "--target-port",
    "--name",
    "--overrides",
    "--env",
    "--labels",
    "--pod-running-timeout",
    "--address",
    "--chunk-size",
    "--show-kind",
    "--resource-version",
    "--local-ssd",
    "--min",
    "--max",
    "--cpu-percent",
    "--selector-from",
    "--serviceaccount",
    "--clusterrole",
    "--role",
    "--group",
    "--duration",
    "--audience",
    "--bound-object-kind",
    "--bound-object-name",
    "--verb",
    "--resource",
    "--from-literal",
    "--from-file",
    "--from-env-file",
    "--docker-server",
    "--docker-username",
    "--docker-password",
    "--docker-email",
    "--cert",
    "--key",
    "--schedule",
    "--restart",
    "--dry-run",
  ],
  attached: ["-n", "-o", "-l", "-c", "-p", "-k", "-s"],
};

/** Short options whose value may be glued on (`-ojson`, `-nprod`): their bundle is not more flags. */
const KUBE_VALUE_SHORTS = "nolcpksfv";

const HELM: OptionGrammar = {
  values: [
    "-n",
    "--namespace",
    "--kube-context",
    "--kubeconfig",
    "--registry-config",
    "--repository-cache",
    "--repository-config",
    "--burst-limit",
    "--qps",
    "--kube-apiserver",
    "--kube-as-user",
    "--kube-as-group",
    "--kube-ca-file",
    "--kube-token",
    "--kube-tls-server-name",
    "-f",
    "--values",
    "--set",
    "--set-string",
    "--set-file",
    "--set-json",
    "--version",
    "--timeout",
    "-o",
    "--output",
    "--repo",
    "--username",
    "--password",
    "--description",
    "--post-renderer",
    "--post-renderer-args",
    "--cascade",
    "--max",
    "--revision",
    "--ca-file",
    "--cert-file",
    "--key-file",
    "--keyring",
  ],
  attached: ["-n", "-f", "-o"],
};

/** Where a kubectl/helm invocation points: the policy stage matches these against production targets. */
export interface KubeTarget {
  namespace?: string;
  context?: string;
  cluster?: string;
  kubeconfig?: string;
  allNamespaces: boolean;
}

export function kubeTarget(inv: Invocation): KubeTarget {
  const list = inv.argv.slice(1).map((w) => w.value);
  const last = (xs: string[]): string | undefined => xs[xs.length - 1];
  const namespace =
    last(optionValues(list, ["-n", "--namespace"], ["-n"])) ??
    assigned(inv, "KUBECTL_NAMESPACE") ??
    assigned(inv, "HELM_NAMESPACE");
  const context =
    last(optionValues(list, ["--context", "--kube-context"])) ?? assigned(inv, "HELM_KUBECONTEXT");
  const cluster = last(optionValues(list, ["--cluster"]));
  const kubeconfig = last(optionValues(list, ["--kubeconfig"])) ?? assigned(inv, "KUBECONFIG");
  const t: KubeTarget = { allNamespaces: hasOption(list, ["--all-namespaces"], "A", KUBE_VALUE_SHORTS) };
  if (namespace !== undefined) t.namespace = namespace;
  if (context !== undefined) t.context = context;
  if (cluster !== undefined) t.cluster = cluster;
  if (kubeconfig !== undefined) t.kubeconfig = kubeconfig;
  // `kubectl config use-context prod` switches the default target of every later command.
  const ops = operands(list, KUBECTL).map((o) => o.value);
  if (ops[0] === "config" && (ops[1] === "use-context" || ops[1] === "use") && ops[2]) t.context = ops[2];
  return t;
}

/** `pods,svc` / `pod/web` / `deployments.apps` → canonical kinds. */
function kinds(word: string | undefined): string[] {
  if (word === undefined) return [];
  return word
    .split(",")
    .map((k) => k.split("/")[0]!.toLowerCase().split(".")[0]!)
    .map((k) => ALIASES[k] ?? k.replace(/s$/, ""));
}

const ALIASES: Record<string, string> = {
  ns: "namespace",
  namespaces: "namespace",
  project: "namespace",
  projects: "namespace",
  pv: "persistentvolume",
  persistentvolumes: "persistentvolume",
  pvc: "persistentvolumeclaim",
  persistentvolumeclaims: "persistentvolumeclaim",
  crd: "customresourcedefinition",
  crds: "customresourcedefinition",
  customresourcedefinitions: "customresourcedefinition",
  sa: "serviceaccount",
  serviceaccounts: "serviceaccount",
  clusterroles: "clusterrole",
  clusterrolebindings: "clusterrolebinding",
  roles: "role",
  rolebindings: "rolebinding",
  po: "pod",
  deploy: "deployment",
  svc: "service",
  sts: "statefulset",
  ds: "daemonset",
  no: "node",
  nodes: "node",
  secrets: "secret",
  cm: "configmap",
  storageclasses: "storageclass",
  sc: "storageclass",
  validatingwebhookconfigurations: "validatingwebhookconfiguration",
  mutatingwebhookconfigurations: "mutatingwebhookconfiguration",
};

const RBAC = new Set(["clusterrole", "clusterrolebinding", "role", "rolebinding"]);
const UNRECOVERABLE: Record<string, string> = {
  namespace: "deletes the namespace and everything in it",
  persistentvolume: "deletes persistent volumes and, with the usual reclaim policy, their data",
  persistentvolumeclaim: "deletes volume claims and, with the usual reclaim policy, their data",
  customresourcedefinition: "deletes the CRD and every custom resource of that kind in the cluster",
  storageclass: "deletes a storage class that volumes depend on",
};

const READ = new Set([
  "get",
  "describe",
  "logs",
  "top",
  "explain",
  "api-resources",
  "api-versions",
  "version",
  "cluster-info",
  "diff",
  "events",
  "wait",
  "completion",
  "kustomize",
  "options",
  "whoami",
  "status",
]);
const CHANGE = new Set([
  "scale",
  "edit",
  "patch",
  "label",
  "annotate",
  "apply",
  "create",
  "replace",
  "set",
  "cordon",
  "uncordon",
  "port-forward",
  "exec",
  "cp",
  "attach",
  "run",
  "expose",
  "autoscale",
  "taint",
  "proxy",
  "debug",
  "login",
  "logout",
  "new-app",
  "new-project",
  "start-build",
  "rsh",
  "rsync",
  "tag",
  "import-image",
  "process",
]);

function where(list: readonly string[]): string {
  const ns = optionValues(list, ["-n", "--namespace"], ["-n"])[0];
  const ctx = optionValues(list, ["--context"])[0];
  return [ns ? `namespace ${ns}` : "", ctx ? `context ${ctx}` : ""].filter(Boolean).join(", ");
}

/** Verbs whose `--dry-run=server|client` is honoured by kubectl: the request is validated, nothing is stored. */
const DRY_RUNNABLE = new Set([
  "apply",
  "create",
  "patch",
  "scale",
  "replace",
  "delete",
  "label",
  "annotate",
  "set",
  "autoscale",
  "expose",
  "run",
  "taint",
]);

/** `server` or `client` when the command is a dry run; `--dry-run=none` (or no flag) is a real one. */
function dryRunMode(list: readonly string[]): "server" | "client" | null {
  const value = optionValues(list, ["--dry-run"])[0];
  return value === "server" || value === "client" ? value : null;
}

function classifyKubectl(list: readonly string[]): Verdict[] {
  const ops = operands(list, KUBECTL).map((o) => o.value);
  const verb = ops[0];
  const at = where(list);
  const suffix = at ? ` (${at})` : "";
  if (verb === undefined) return [v("low", "read", "kubectl without a command prints help")];
  if (hasOption(list, ["--help"], "h", KUBE_VALUE_SHORTS) && verb !== "exec")
    return [v("low", "help", `shows help for ${verb}`)];
  const dry = dryRunMode(list);
  if (dry && DRY_RUNNABLE.has(verb) && !(verb === "create" && ops[1] === "token"))
    return [
      v(
        "low",
        "dry-run",
        `kubectl ${verb} --dry-run=${dry} changes nothing (the ${dry === "server" ? "API server only validates and answers" : "client only prints"})${suffix}`,
      ),
    ];
  const objKinds = kinds(ops[1]);
  const allNs = hasOption(list, ["--all-namespaces"], "A", KUBE_VALUE_SHORTS);
  const out: Verdict[] = [];
  const rbac = objKinds.filter((k) => RBAC.has(k));
  if (verb === "delete") {
    const destroying = objKinds.filter((k) => UNRECOVERABLE[k]);
    for (const k of destroying)
      out.push(
        v(
          "critical",
          `delete-${k}`,
          `kubectl delete ${ops.slice(1, 3).join(" ")} ${UNRECOVERABLE[k]}${suffix}`,
        ),
      );
    if (rbac.length > 0)
      out.push(
        v(
          "critical",
          "rbac-change",
          `deletes ${rbac.join(", ")}: changes who may do what in the cluster${suffix}`,
        ),
      );
    if (allNs)
      out.push(
        v("critical", "delete-all-namespaces", `deletes ${ops[1] ?? "resources"} across every namespace`),
      );
    if (hasOption(list, ["--all"]) && !allNs)
      out.push(
        v(
          "high",
          "delete-all",
          `deletes every ${ops[1] ?? "resource"}${suffix || " in the current namespace"}`,
        ),
      );
    if (hasOption(list, ["--force"]) && hasOption(list, ["--grace-period"]))
      out.push(v("high", "delete-force", "force-deletes without waiting for graceful shutdown"));
    out.push(
      v(
        "high",
        "delete",
        `deletes ${ops.slice(1).join(" ") || (hasOption(list, ["--filename"], "f", KUBE_VALUE_SHORTS) ? "the resources in the given manifests" : "resources")}${suffix}`,
      ),
    );
    return out;
  }
  if (verb === "drain")
    return [v("high", "drain", `evicts every pod from node ${ops[1] ?? ""}${suffix}`.trim())];
  if (verb === "auth") {
    if (ops[1] === "reconcile")
      return [v("critical", "rbac-change", "auth reconcile changes RBAC roles and bindings")];
    return [v("low", "read", "checks permissions")];
  }
  if (verb === "certificate") {
    if (ops[1] === "approve")
      return [v("critical", "certificate-approve", "approving a CSR hands out a cluster credential")];
    return [v("medium", "certificate", "changes a certificate signing request")];
  }
  if (verb === "config") {
    const sub = ops[1];
    if (sub === "view") {
      if (hasOption(list, ["--raw"]))
        return [v("high", "config-raw", "config view --raw prints cluster credentials")];
      return [v("low", "read", "shows kubeconfig (credentials redacted)")];
    }
    if (sub === undefined || sub.startsWith("get-") || sub === "current-context")
      return [v("low", "read", "reads kubeconfig")];
    if (sub === "use-context" || sub === "use")
      return [
        v("medium", "use-context", `switches every later kubectl command to context ${ops[2] ?? ""}`.trim()),
      ];
    return [v("medium", "config-change", `config ${sub} changes kubeconfig`)];
  }
  if (verb === "create" && ops[1] === "token")
    return [
      v("critical", "create-token", `mints a token for service account ${ops[2] ?? ""}${suffix}`.trim()),
    ];
  if (verb === "adm" || (verb === "policy" && ops[1]?.startsWith("add-")))
    return [v("critical", "rbac-change", "changes cluster roles or who may use them")];
  if (verb === "set" && ops[1] === "subject")
    return [v("critical", "rbac-change", `changes the subjects of a role binding${suffix}`)];
  if (verb === "get" && objKinds.includes("secret")) {
    // `-o=yaml` is kubectl's spelling too: the attached value then starts with `=`.
    const output = (optionValues(list, ["-o", "--output"], ["-o"])[0] ?? "").replace(/^=/, "");
    if (/^(yaml|json|jsonpath|go-template|template|custom-columns)/.test(output))
      return [v("high", "secret-read", `prints the values of secrets${suffix}`)];
  }
  if (READ.has(verb)) return [v("low", "read", `kubectl ${verb} only reads${suffix}`)];
  if (verb === "rollout") {
    const sub = ops[1];
    if (sub === "status" || sub === "history") return [v("low", "read", `rollout ${sub} only reads`)];
    return [v("medium", "rollout", `rollout ${sub ?? ""} changes running workloads${suffix}`)];
  }
  if (CHANGE.has(verb)) {
    if (
      ["create", "edit", "patch", "replace", "label", "annotate", "apply", "set"].includes(verb) &&
      rbac.length > 0
    )
      return [
        v(
          "critical",
          "rbac-change",
          `kubectl ${verb} ${rbac.join(", ")} changes who may do what in the cluster${suffix}`,
        ),
      ];
    if (verb === "apply" && hasOption(list, ["--prune"]))
      return [
        v("high", "apply-prune", `apply --prune deletes resources missing from the manifests${suffix}`),
      ];
    if ((verb === "replace" || verb === "apply") && hasOption(list, ["--force"]))
      return [v("high", `${verb}-force`, `${verb} --force deletes and recreates resources${suffix}`)];
    if (verb === "debug" && objKinds.includes("node"))
      return [v("high", "debug-node", "debug node runs a pod with access to the node's host filesystem")];
    return [v("medium", verb, `kubectl ${verb} changes the cluster${suffix}`)];
  }
  if (verb === "plugin") return [v(ops[1] === "list" ? "low" : "medium", "plugin", "kubectl plugin")];
  return [
    v("medium", "unknown-subcommand", `\`kubectl ${verb}\` is not a known command (plugins can do anything)`),
  ];
}

function classifyHelm(list: readonly string[]): Verdict[] {
  const ops = operands(list, HELM).map((o) => o.value);
  const verb = ops[0];
  const at = where(list);
  const suffix = at ? ` (${at})` : "";
  if (verb === undefined || hasOption(list, ["--help"], "h", "nfo")) return [v("low", "read", "shows help")];
  if (
    [
      "list",
      "ls",
      "status",
      "get",
      "template",
      "lint",
      "show",
      "inspect",
      "history",
      "hist",
      "search",
      "version",
      "env",
      "verify",
      "diff",
      "completion",
    ].includes(verb)
  )
    return [v("low", "read", `helm ${verb} only reads`)];
  if (["uninstall", "delete", "del", "un"].includes(verb))
    return [v("high", "uninstall", `uninstalls release ${ops[1] ?? ""}${suffix} and deletes its resources`)];
  if (verb === "repo" || verb === "dependency" || verb === "dep") {
    if (ops[1] === "list" || ops[1] === "ls") return [v("low", "read", "lists")];
    return [v("low", "repo", `helm ${verb} ${ops[1] ?? ""} manages local chart sources`.trim())];
  }
  if ((verb === "upgrade" || verb === "install" || verb === "rollback") && hasOption(list, ["--force"]))
    return [v("high", `${verb}-force`, `helm ${verb} --force deletes and recreates resources${suffix}`)];
  if (
    [
      "install",
      "upgrade",
      "rollback",
      "test",
      "push",
      "pull",
      "fetch",
      "package",
      "plugin",
      "registry",
      "create",
    ].includes(verb)
  )
    return [v("medium", verb, `helm ${verb} changes releases or charts${suffix}`)];
  return [
    v("medium", "unknown-subcommand", `\`helm ${verb}\` is not a known command (plugins can do anything)`),
  ];
}

export function classifyKubernetes(inv: Invocation, _ctx: RuleContext, index: number): Finding[] {
  const list = inv.argv.slice(1).map((w) => w.value);
  let out: Verdict[];
  switch (inv.program) {
    case "kubectl":
    case "oc":
    case "microk8s.kubectl":
      out = classifyKubectl(list);
      break;
    case "helm":
      out = classifyHelm(list);
      break;
    case "kustomize":
      out = [
        operands(list)[0]?.value === "edit"
          ? v("low", "kustomize-edit", "edits kustomization.yaml")
          : v("low", "read", "renders manifests"),
      ];
      break;
    case "stern":
      out = [v("low", "read", "tails pod logs")];
      break;
    case "kubectx":
    case "kubens":
      out = [
        list.length === 0 || hasOption(list, ["--current", "--help"], "ch")
          ? v("low", "read", "lists contexts or namespaces")
          : v("medium", "use-context", `switches every later kubectl command to ${list.join(" ")}`),
      ];
      break;
    default:
      out = [
        v(
          "medium",
          "console",
          `${inv.program} is an interactive cluster console that can change or delete anything`,
        ),
      ];
  }
  // A run-time verb could be `delete`; run-time names or namespaces are checked by policy, not here.
  const verbWord = inv.argv.slice(1).find((w) => !w.value.startsWith("-"));
  if (verbWord?.dynamic)
    out.push(v("medium", "dynamic-argument", `\`${verbWord.text}\` is only known at run time`));
  return out.map((f) => finding(f.risk, f.rule, f.reason, index));
}

export const kubernetesPack: RulePack = {
  name: "kubernetes",
  programs: ["kubectl", "oc", "microk8s.kubectl", "helm", "kustomize", "stern", "kubectx", "kubens", "k9s"],
  classify: classifyKubernetes,
};
