// Infrastructure as code (terraform/tofu/terragrunt, pulumi, ansible, vagrant, cdk, serverless, sam).
// Planning and validating are free; applying asks; destroying asks louder; and whatever removes the tool's
// own last confirmation (`-auto-approve`, `--yes`, `--force`) on a destructive run, or edits state behind
// the tool's back, is refused by default: nothing stands between the command and lost infrastructure.
import type { Finding, Invocation, Risk, RuleContext } from "../types.ts";
import { hasOption, operands, optionValues } from "./cli.ts";
import type { RulePack } from "./pack.ts";
import { finding } from "./util.ts";

type Verdict = { risk: Risk; rule: string; reason: string };
const v = (risk: Risk, rule: string, reason: string): Verdict => ({ risk, rule: `iac.${rule}`, reason });

/** Terraform flags are `-name`, `-name=value` or `--name`; returns the bare names. */
function tfFlags(list: readonly string[]): Map<string, string | true> {
  const out = new Map<string, string | true>();
  for (const a of list) {
    const m = /^--?([A-Za-z][\w-]*)(?:=(.*))?$/.exec(a);
    if (m) out.set(m[1]!.toLowerCase(), m[2] ?? true);
  }
  return out;
}

function isTrue(value: string | true | undefined): boolean {
  return value === true || (value !== undefined && /^(true|1|yes)$/i.test(value));
}

const TF_READ = new Set([
  "init",
  "plan",
  "validate",
  "fmt",
  "show",
  "output",
  "graph",
  "version",
  "providers",
  "get",
  "metadata",
  "modules",
  "render-json",
  "graph-dependencies",
  "output-module-groups",
  "hclfmt",
  "hcl",
  "info",
  "find",
  "list",
  "dag",
  "catalog",
  "scaffold",
]);

/** Subcommands of terraform/tofu; terragrunt passes most through. */
function classifyTerraform(tool: string, words: readonly string[], allUnits = false): Verdict[] {
  // Terraform's value-taking flags use `=`, except `-var`/`-var-file` style ones; skip those values.
  const ops = operands(words, {
    values: [
      "-var",
      "-var-file",
      "-target",
      "-replace",
      "-state",
      "-state-out",
      "-backup",
      "-chdir",
      "-parallelism",
      "-lock-timeout",
      "--working-dir",
      "--terragrunt-working-dir",
      "--queue-include-dir",
      "--queue-exclude-dir",
      "--filter",
    ],
  }).map((o) => o.value);
  const flags = tfFlags(words);
  const [sub, sub2] = ops;
  const scope = allUnits ? " in every unit" : "";
  if (sub === undefined || flags.has("help") || flags.has("h") || flags.has("version"))
    return [v("low", "read", `${tool} help or version`)];
  const auto =
    isTrue(flags.get("auto-approve")) ||
    flags.has("terragrunt-non-interactive") ||
    flags.has("non-interactive");
  if (sub === "run-all" || (sub === "run" && (flags.has("all") || flags.has("graph")))) {
    const rest = words.slice(words.indexOf(sub) + 1).filter((a) => a !== "--all" && a !== "--graph");
    return classifyTerraform(tool, rest, true);
  }
  if (sub === "destroy" || (sub === "apply" && flags.has("destroy"))) {
    if (auto)
      return [
        v(
          "critical",
          "destroy-auto-approve",
          `${tool} destroy -auto-approve deletes the managed infrastructure${scope} without asking`,
        ),
      ];
    return [
      v(
        "high",
        "destroy",
        `${tool} destroy deletes the managed infrastructure${scope} (it asks for confirmation)`,
      ),
    ];
  }
  if (sub === "apply") {
    const planFile = ops[1];
    if (auto)
      return [
        v(
          "critical",
          "apply-auto-approve",
          `${tool} apply -auto-approve changes real infrastructure${scope} without showing the plan first`,
        ),
      ];
    if (flags.get("lock") === "false")
      return [v("high", "apply-no-lock", `${tool} apply -lock=false can corrupt shared state`)];
    if (planFile !== undefined)
      return [v("medium", "apply-plan", `${tool} applies the saved plan ${planFile}`)];
    return [
      v("medium", "apply", `${tool} apply changes real infrastructure${scope} (it shows the plan and asks)`),
    ];
  }
  if (sub === "state") {
    if (sub2 === "list" || sub2 === "show" || sub2 === "pull")
      return [v("low", "read", `${tool} state ${sub2} only reads`)];
    if (sub2 === "rm" || sub2 === "push")
      return [
        v(
          "critical",
          `state-${sub2}`,
          `${tool} state ${sub2} edits state behind terraform's back: resources become unmanaged or state is overwritten`,
        ),
      ];
    return [v("high", "state-change", `${tool} state ${sub2 ?? ""} edits the state file`.trim())];
  }
  if (sub === "force-unlock")
    return [
      v(
        "critical",
        "force-unlock",
        `${tool} force-unlock breaks a lock another run may hold, risking corrupt state`,
      ),
    ];
  if (sub === "workspace") {
    if (sub2 === "delete")
      return [v("critical", "workspace-delete", `${tool} workspace delete drops the workspace's state`)];
    if (sub2 === "new" || sub2 === "select") return [v("low", "workspace", `${tool} workspace ${sub2}`)];
    return [v("low", "read", "lists workspaces")];
  }
  if (
    sub === "import" ||
    sub === "taint" ||
    sub === "untaint" ||
    sub === "refresh" ||
    sub === "login" ||
    sub === "logout" ||
    sub === "console" ||
    sub === "test"
  )
    return [v("medium", sub, `${tool} ${sub} changes state or runs providers against real infrastructure`)];
  if (TF_READ.has(sub)) return [v("low", "read", `${tool} ${sub} does not change infrastructure`)];
  return [v("medium", "unknown-subcommand", `\`${tool} ${sub}\` is not a known command`)];
}

function classifyPulumi(list: readonly string[]): Verdict[] {
  const ops = operands(list, {
    values: [
      "-s",
      "--stack",
      "-C",
      "--cwd",
      "--target",
      "-t",
      "--config",
      "-c",
      "--message",
      "-m",
      "--parallel",
      "-p",
    ],
    attached: ["-s", "-C"],
  }).map((o) => o.value);
  const [sub, sub2] = ops;
  const yes =
    hasOption(list, ["--yes", "--skip-preview", "--non-interactive"], "y", "sCtcmp") ||
    hasOption(list, ["--force"], "f", "sCtcmp");
  if (sub === undefined || hasOption(list, ["--help"], "h", "sCtcmp"))
    return [v("low", "read", "pulumi help")];
  if (
    sub === "preview" ||
    sub === "pre" ||
    sub === "about" ||
    sub === "version" ||
    sub === "whoami" ||
    sub === "logs" ||
    (sub === "plugin" && sub2 === "ls")
  )
    return [v("low", "read", `pulumi ${sub} does not change infrastructure`)];
  if (sub === "destroy" || sub === "down" || sub === "dn") {
    if (yes)
      return [
        v(
          "critical",
          "destroy-yes",
          "pulumi destroy --yes deletes every resource in the stack without asking",
        ),
      ];
    return [
      v("high", "destroy", "pulumi destroy deletes every resource in the stack (it asks for confirmation)"),
    ];
  }
  if (sub === "up" || sub === "update") {
    if (yes) return [v("high", "up-yes", "pulumi up --yes changes real infrastructure without a preview")];
    return [v("medium", "up", "pulumi up changes real infrastructure (it previews and asks)")];
  }
  if (sub === "stack") {
    if (
      sub2 === undefined ||
      ["ls", "output", "history", "export", "graph", "tag", "select", "init"].includes(sub2)
    )
      return [v("low", "read", `pulumi stack ${sub2 ?? ""}`.trim())];
    if (sub2 === "rm")
      return [
        v(
          hasOption(list, ["--force"], "f", "sCtcmp") ? "critical" : "high",
          "stack-rm",
          "pulumi stack rm deletes the stack and its state",
        ),
      ];
    if (sub2 === "import")
      return [v("high", "stack-import", "pulumi stack import overwrites the stack's state")];
    return [v("medium", "stack", `pulumi stack ${sub2}`)];
  }
  if (sub === "state") {
    if (sub2 === "delete" || sub2 === "unprotect")
      return [v("critical", `state-${sub2}`, `pulumi state ${sub2} edits state behind pulumi's back`)];
    return [v("high", "state-change", `pulumi state ${sub2 ?? ""} edits the state`.trim())];
  }
  if (sub === "cancel")
    return [
      v("high", "cancel", "pulumi cancel stops another update midway, which can leave resources half-made"),
    ];
  if (sub === "config")
    return [
      v(
        sub2 === undefined || sub2 === "get" ? "low" : "medium",
        "config",
        `pulumi config ${sub2 ?? ""}`.trim(),
      ),
    ];
  if (sub === "new" || sub === "install" || sub === "convert" || sub === "gen-completion")
    return [v("low", "local", `pulumi ${sub} works locally`)];
  return [v("medium", sub, `pulumi ${sub} changes stacks or infrastructure`)];
}

const ANSIBLE_VALUES = [
  "-i",
  "--inventory",
  "-l",
  "--limit",
  "-e",
  "--extra-vars",
  "-u",
  "--user",
  "-f",
  "--forks",
  "-t",
  "--tags",
  "--skip-tags",
  "-M",
  "--module-path",
  "--vault-password-file",
  "--vault-id",
  "-c",
  "--connection",
  "-T",
  "--timeout",
  "--private-key",
  "--key-file",
  "-k",
  "--become-user",
  "--become-method",
  "-P",
  "--poll",
  "-B",
  "--background",
  "--start-at-task",
  "-m",
  "--module-name",
  "-a",
  "--args",
  "--ssh-common-args",
  "--ssh-extra-args",
  "--scp-extra-args",
  "--sftp-extra-args",
  "-o",
  "--playbook-dir",
];

/** Modules that run arbitrary commands on the targets. */
const COMMAND_MODULES = new Set([
  "shell",
  "command",
  "raw",
  "script",
  "expect",
  "ansible.builtin.shell",
  "ansible.builtin.command",
  "ansible.builtin.raw",
  "ansible.builtin.script",
  "win_shell",
  "win_command",
]);
const READ_MODULES = new Set([
  "ping",
  "setup",
  "gather_facts",
  "stat",
  "debug",
  "ansible.builtin.ping",
  "ansible.builtin.setup",
  "ansible.builtin.stat",
  "ansible.builtin.debug",
  "service_facts",
  "package_facts",
]);

function classifyAnsible(program: string, list: readonly string[]): Verdict[] {
  const listing = hasOption(
    list,
    ["--list-hosts", "--list-tasks", "--list-tags", "--syntax-check", "--version", "--help"],
    "h",
  );
  const become = hasOption(list, ["--become"], "b", "iletufMkcTPBmao") ? " as root (--become)" : "";
  switch (program) {
    case "ansible-playbook": {
      if (listing) return [v("low", "read", "lists or checks playbooks without running them")];
      if (hasOption(list, ["--check"], "C", "iletufMkcTPBmao"))
        return [v("low", "check", "ansible-playbook --check only reports what would change")];
      const books = operands(list, { values: ANSIBLE_VALUES })
        .map((o) => o.value)
        .join(" ");
      return [v("high", "playbook", `runs playbook ${books} against its hosts${become}`)];
    }
    case "ansible": {
      if (listing) return [v("low", "read", "lists hosts")];
      const module = optionValues(list, ["-m", "--module-name"], ["-m"]).pop() ?? "command";
      const hosts = operands(list, { values: ANSIBLE_VALUES }).map((o) => o.value)[0] ?? "the hosts";
      if (COMMAND_MODULES.has(module))
        return [v("high", "adhoc-command", `runs an arbitrary command on ${hosts}${become}`)];
      if (READ_MODULES.has(module)) return [v("low", "adhoc-read", `gathers facts from ${hosts}`)];
      if (hasOption(list, ["--check"], "C", "iletufMkcTPBmao"))
        return [v("low", "check", "check mode only reports what would change")];
      return [v("medium", "adhoc-module", `runs module ${module} on ${hosts}${become}`)];
    }
    case "ansible-pull":
      return [v("high", "pull", "ansible-pull fetches a repository and runs its playbook here")];
    case "ansible-vault": {
      const sub = operands(list, {
        values: [
          "--vault-id",
          "--vault-password-file",
          "--output",
          "--new-vault-id",
          "--new-vault-password-file",
        ],
      })[0]?.value;
      if (sub === "view" || sub === "decrypt")
        return [v("high", "vault-reveal", `ansible-vault ${sub} reveals encrypted secrets`)];
      return [v("medium", "vault", `ansible-vault ${sub ?? ""} changes encrypted files`.trim())];
    }
    case "ansible-inventory":
    case "ansible-config":
    case "ansible-doc":
      return [
        v(operands(list)[0]?.value === "init" ? "medium" : "low", "read", `${program} reads configuration`),
      ];
    default:
      return [v("medium", "galaxy", `${program} installs or changes roles and collections`)];
  }
}

function classifyVagrant(list: readonly string[]): Verdict[] {
  const [sub, sub2] = operands(list).map((o) => o.value);
  if (
    sub === undefined ||
    [
      "status",
      "ssh-config",
      "global-status",
      "version",
      "validate",
      "port",
      "help",
      "list-commands",
    ].includes(sub) ||
    (sub === "box" && (sub2 === "list" || sub2 === "outdated")) ||
    (sub === "snapshot" && sub2 === "list") ||
    (sub === "plugin" && sub2 === "list")
  )
    return [v("low", "read", "vagrant status or help")];
  if (sub === "destroy") return [v("high", "destroy", "vagrant destroy deletes the VM and everything in it")];
  if (sub === "snapshot" && (sub2 === "delete" || sub2 === "restore" || sub2 === "pop"))
    return [v("high", "snapshot", `vagrant snapshot ${sub2} discards VM state`)];
  return [v("medium", sub, `vagrant ${sub} changes the VM`)];
}

function classifyCdk(program: string, list: readonly string[]): Verdict[] {
  const ops = operands(list, {
    values: [
      "-a",
      "--app",
      "-c",
      "--context",
      "--profile",
      "-o",
      "--output",
      "--require-approval",
      "--parameters",
      "--role-arn",
      "-e",
      "--exclusively",
    ],
  }).map((o) => o.value);
  const sub = ops[0];
  if (
    sub === undefined ||
    [
      "diff",
      "synth",
      "synthesize",
      "ls",
      "list",
      "doctor",
      "docs",
      "doc",
      "notices",
      "acknowledge",
      "ack",
      "context",
      "version",
      "metadata",
      "get",
    ].includes(sub) ||
    hasOption(list, ["--help"], "h", "acoe")
  )
    return [v("low", "read", `${program} ${sub ?? ""} does not change infrastructure`.trim())];
  if (sub === "destroy") {
    if (hasOption(list, ["--force"], "f", "acoe"))
      return [v("critical", "destroy-force", `${program} destroy --force deletes the stacks without asking`)];
    return [v("high", "destroy", `${program} destroy deletes the stacks (it asks for confirmation)`)];
  }
  if (sub === "deploy" && optionValues(list, ["--require-approval"]).includes("never"))
    return [
      v(
        "high",
        "deploy-no-approval",
        `${program} deploy --require-approval never skips the security-change review`,
      ),
    ];
  if (sub === "gc") return [v("high", "gc", `${program} gc deletes unused assets`)];
  return [v("medium", sub, `${program} ${sub} changes real infrastructure`)];
}

function classifyServerless(program: string, list: readonly string[]): Verdict[] {
  const ops = operands(list, {
    values: [
      "--stage",
      "-s",
      "--region",
      "-r",
      "--aws-profile",
      "--function",
      "-f",
      "--config",
      "-c",
      "--param",
      "--data",
      "-d",
      "--path",
      "-p",
      "--stack-name",
      "--template",
      "-t",
      "--profile",
    ],
  }).map((o) => o.value);
  const sub = ops[0];
  if (
    sub === undefined ||
    [
      "info",
      "print",
      "package",
      "logs",
      "metrics",
      "help",
      "version",
      "build",
      "validate",
      "list",
      "doctor",
    ].includes(sub) ||
    hasOption(list, ["--help"], "h", "srfcdpt")
  )
    return [v("low", "read", `${program} ${sub ?? ""} does not change deployments`.trim())];
  if (sub === "remove" || sub === "delete")
    return [v("high", "remove", `${program} ${sub} deletes the deployed stack and its resources`)];
  if (sub === "local") return [v("medium", "local", `${program} local runs functions on this machine`)];
  return [v("medium", sub, `${program} ${sub} changes deployments`)];
}

export function classifyIac(inv: Invocation, _ctx: RuleContext, index: number): Finding[] {
  const list = inv.argv.slice(1).map((w) => w.value);
  const program = inv.program ?? "";
  let out: Verdict[];
  if (
    program === "terraform" ||
    program === "tofu" ||
    program === "terragrunt" ||
    program === "terraform-bin"
  ) {
    // `-chdir=dir` is the only global option; it uses `=`, so the subcommand is the first operand.
    out = classifyTerraform(program, list);
  } else if (program === "pulumi") out = classifyPulumi(list);
  else if (program.startsWith("ansible")) out = classifyAnsible(program, list);
  else if (program === "vagrant") out = classifyVagrant(list);
  else if (program === "cdk" || program === "cdktf") out = classifyCdk(program, list);
  else out = classifyServerless(program, list);
  const verbWord = inv.argv.slice(1).find((w) => !w.value.startsWith("-"));
  if (verbWord?.dynamic)
    out.push(v("medium", "dynamic-argument", `\`${verbWord.text}\` is only known at run time`));
  // A dynamic word could be -auto-approve / --yes.
  else if (
    out.every((f) => f.risk !== "critical") &&
    inv.argv.slice(1).some((w) => w.dynamic && !w.text.startsWith('"') && !w.text.includes("="))
  )
    out.push(v("medium", "dynamic-argument", "an argument is only known at run time"));
  return out.map((f) => finding(f.risk, f.rule, f.reason, index));
}

export const iacPack: RulePack = {
  name: "iac",
  programs: [
    "terraform",
    "tofu",
    "terragrunt",
    "pulumi",
    "ansible",
    "ansible-playbook",
    "ansible-vault",
    "ansible-galaxy",
    "ansible-inventory",
    "ansible-config",
    "ansible-doc",
    "ansible-pull",
    "vagrant",
    "cdk",
    "cdktf",
    "serverless",
    "sls",
    "sam",
  ],
  classify: classifyIac,
};
