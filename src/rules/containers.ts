// docker / podman / nerdctl (and compose): starting containers is ordinary work; deleting containers,
// images, volumes and networks loses data; a container that holds the host (privileged, host root or the
// docker socket mounted, host PID namespace) is the host, so it is treated as root on the machine.
import type { Finding, Invocation, Risk, RuleContext } from "../types.ts";
import { hasOption, type OptionGrammar, operands, optionValues, splitAtSubcommand } from "./cli.ts";
import type { RulePack } from "./pack.ts";
import { finding } from "./util.ts";

type Verdict = { risk: Risk; rule: string; reason: string };
const v = (risk: Risk, rule: string, reason: string): Verdict => ({
  risk,
  rule: `containers.${rule}`,
  reason,
});

const GLOBAL: OptionGrammar = {
  values: [
    "-c",
    "--context",
    "-H",
    "--host",
    "-l",
    "--log-level",
    "--config",
    "--namespace",
    "-n",
    "--address",
    "-a",
    "--connection",
  ],
  longTakeValue: true,
  flags: [
    "--debug",
    "--tls",
    "--tlsverify",
    "--remote",
    "--version",
    "--help",
    "--syslog",
    "--insecure",
    "--experimental",
    "--debug-full",
    "--noout",
  ],
  attached: ["-H", "-c", "-l"],
};

/** docker run / create options that take a value (long ones not listed as flags are assumed to). */
const RUN_GRAMMAR: OptionGrammar = {
  values: ["-a", "-c", "-e", "-h", "-l", "-m", "-p", "-u", "-v", "-w"],
  attached: ["-a", "-c", "-e", "-h", "-l", "-m", "-p", "-u", "-v", "-w"],
  longTakeValue: true,
  flags: [
    "--rm",
    "--detach",
    "--init",
    "--interactive",
    "--tty",
    "--privileged",
    "--read-only",
    "--no-healthcheck",
    "--oom-kill-disable",
    "--publish-all",
    "--quiet",
    "--use-api-socket",
    "--help",
    "--disable-content-trust",
    "--replace",
    "--rootfs",
    "--systemd",
    "--tls-verify",
    "--no-hosts",
    "--http-proxy",
    "--env-host",
    "--privileged=true",
  ],
};

const READ = new Set([
  "ps",
  "images",
  "logs",
  "inspect",
  "version",
  "info",
  "top",
  "stats",
  "port",
  "diff",
  "history",
  "events",
  "search",
  "save",
  "export",
  "wait",
  "ls",
  "df",
  "show",
  "healthcheck",
  "logout",
  "config",
  "images",
  "list",
]);
const MEDIUM = new Set([
  "build",
  "run",
  "exec",
  "start",
  "stop",
  "restart",
  "pull",
  "push",
  "create",
  "tag",
  "commit",
  "load",
  "import",
  "attach",
  "kill",
  "pause",
  "unpause",
  "rename",
  "update",
  "cp",
  "login",
  "up",
  "buildx",
  "scan",
  "init",
  "generate",
  "play",
  "kube",
  "unshare",
  "mount",
  "unmount",
  "umount",
  "auto-update",
  "checkpoint",
  "restore",
  "sign",
  "trust",
  "manifest",
  "use",
  "connect",
  "disconnect",
  "watch",
  "convert",
  "alpha",
  "scale",
  "bake",
]);

/** Host paths whose mount hands the container the machine (or its credentials). */
const HOST_ROOTS = [
  "/",
  "/etc",
  "/root",
  "/boot",
  "/proc",
  "/sys",
  "/dev",
  "/usr",
  "/bin",
  "/sbin",
  "/lib",
  "/var",
  "/home",
  "/run",
  "/var/lib/docker",
  "/var/lib/kubelet",
  "/var/lib/containers",
];
const SOCKETS = /(^|\/)(docker|podman|containerd)\.sock$|^\/(var\/)?run\/(containerd|crio|podman)(\/|$)/;

function normalizeHostPath(p: string, ctx: RuleContext): string {
  let out = p.replace(/^(~|\$HOME|\$\{HOME\})(?=\/|$)/, ctx.home);
  if (out !== "/") out = out.replace(/\/+$/, "");
  return out.replace(/\/\.(?=\/|$)/g, "") || "/";
}

function mountFinding(source: string, readOnly: boolean, ctx: RuleContext): Verdict | undefined {
  if (!(source.startsWith("/") || source.startsWith("~") || /^\$\{?HOME\b/.test(source))) return undefined;
  const p = normalizeHostPath(source, ctx);
  if (SOCKETS.test(p))
    return v(
      "critical",
      "docker-socket",
      `mounting ${source} gives the container control of the host's container engine (root on the host)`,
    );
  if (HOST_ROOTS.includes(p))
    return v(
      "critical",
      "host-mount",
      `mounting the host's ${p} into the container exposes the machine itself`,
    );
  if (p === ctx.home || /^\/home\/[^/]+$/.test(p))
    return v(
      "high",
      "home-mount",
      `mounting the home directory ${p} exposes SSH keys and credentials to the container`,
    );
  if (/\/\.(ssh|aws|kube|gnupg|docker|config\/gcloud|azure)(\/|$)/.test(p))
    return v("high", "credential-mount", `mounting ${p} exposes credentials to the container`);
  const inWorkspace = p === ctx.workspace || p.startsWith(`${ctx.workspace}/`) || p.startsWith("/tmp/");
  if (
    !inWorkspace &&
    !readOnly &&
    HOST_ROOTS.some((r) => r !== "/" && r !== "/home" && p.startsWith(`${r}/`))
  )
    return v(
      "high",
      "host-mount",
      `mounting the host's ${p} writable lets the container change system files`,
    );
  return undefined;
}

/** Dangerous isolation-breaking options of `run` / `create` (and the few `exec` has). */
function isolationFindings(opts: readonly string[], ctx: RuleContext): Verdict[] {
  const out: Verdict[] = [];
  if (opts.some((a) => a === "--privileged" || a === "--privileged=true"))
    out.push(v("critical", "privileged", "a --privileged container has full access to the host"));
  if (opts.includes("--use-api-socket"))
    out.push(v("critical", "docker-socket", "--use-api-socket hands the container the host's docker socket"));
  for (const cap of optionValues(opts, ["--cap-add"]).flatMap((c) => c.split(","))) {
    const c = cap.toUpperCase().replace(/^CAP_/, "");
    if (
      [
        "ALL",
        "SYS_ADMIN",
        "SYS_MODULE",
        "SYS_PTRACE",
        "SYS_RAWIO",
        "DAC_READ_SEARCH",
        "SYS_BOOT",
        "BPF",
      ].includes(c)
    )
      out.push(v("critical", "cap-add", `--cap-add ${c} lets the container break out to the host`));
  }
  for (const ns of ["--pid", "--ipc", "--userns", "--uts", "--net", "--network", "--cgroupns"]) {
    if (!optionValues(opts, [ns]).includes("host")) continue;
    if (ns === "--pid")
      out.push(
        v("critical", "host-pid", "--pid=host lets the container see and signal every process on the host"),
      );
    else if (ns === "--ipc" || ns === "--userns")
      out.push(v("high", "host-namespace", `${ns}=host removes an isolation layer from the container`));
    else if (ns === "--net" || ns === "--network")
      out.push(
        v(
          "medium",
          "host-network",
          "the container shares the host's network, including services on localhost",
        ),
      );
  }
  for (const so of optionValues(opts, ["--security-opt"])) {
    if (/unconfined|label[:=]disable|no-new-privileges[:=]false/.test(so))
      out.push(v("high", "security-opt", `--security-opt ${so} switches off a protection of the host`));
  }
  for (const dev of optionValues(opts, ["--device"]))
    out.push(v("high", "device", `--device ${dev} gives the container direct access to a host device`));
  for (const vol of optionValues(opts, ["-v", "--volume"], ["-v"])) {
    const parts = vol.split(":");
    const f = mountFinding(parts[0]!, (parts[2] ?? "").split(",").includes("ro"), ctx);
    if (f) out.push(f);
  }
  for (const m of optionValues(opts, ["--mount"])) {
    const fields = new Map(
      m.split(",").map((kv) => [kv.split("=")[0]!, kv.slice(kv.indexOf("=") + 1)] as const),
    );
    const src = fields.get("source") ?? fields.get("src");
    const ro = fields.has("readonly") || fields.has("ro");
    if (src !== undefined) {
      const f = mountFinding(src, ro, ctx);
      if (f) out.push(f);
    }
  }
  return out;
}

function runOptions(rest: readonly string[]): string[] {
  const image = operands(rest, RUN_GRAMMAR)[0];
  return image === undefined ? [...rest] : rest.slice(0, image.at);
}

const COMPOSE_GLOBAL: OptionGrammar = {
  values: [
    "-f",
    "--file",
    "-p",
    "--project-name",
    "--profile",
    "--env-file",
    "--project-directory",
    "--ansi",
    "--parallel",
    "--progress",
  ],
  attached: ["-f", "-p"],
};

function classifyCompose(list: readonly string[], ctx: RuleContext): Verdict[] {
  const { sub, rest } = splitAtSubcommand(list, COMPOSE_GLOBAL);
  if (sub === undefined) return [v("low", "read", "compose without a command prints help")];
  switch (sub) {
    case "down":
      if (hasOption(rest, ["--volumes"], "v"))
        return [
          v(
            "high",
            "compose-down-volumes",
            "compose down -v deletes the project's volumes and the data in them",
          ),
        ];
      return [v("medium", "compose-down", "stops and removes the project's containers (volumes are kept)")];
    case "rm":
      if (hasOption(rest, ["--volumes"], "v"))
        return [v("high", "compose-rm-volumes", "compose rm -v deletes anonymous volumes with their data")];
      return [v("medium", "compose-rm", "removes stopped service containers")];
    case "run":
    case "exec":
    case "create":
      return [
        v("medium", `compose-${sub}`, `compose ${sub} runs a service container`),
        ...isolationFindings(runOptions(rest), ctx),
      ];
    case "ps":
    case "logs":
    case "config":
    case "ls":
    case "images":
    case "top":
    case "version":
    case "port":
    case "events":
    case "stats":
      return [v("low", "read", `compose ${sub} only reads`)];
    default:
      return [v("medium", "compose", `compose ${sub} changes running services`)];
  }
}

/** `docker <object> <verb>` management commands, mapped to the risk of the verb on that object. */
function classifyManaged(object: string, rest: readonly string[], ctx: RuleContext): Verdict[] {
  const verb = operands(rest, { values: ["-f", "--filter", "--format"] })[0]?.value;
  const force = hasOption(rest, ["--force"], "f");
  const all = hasOption(rest, ["--all"], "a");
  if (verb === undefined) return [v("low", "read", `docker ${object} without a command prints help`)];
  if (
    [
      "ls",
      "list",
      "inspect",
      "show",
      "df",
      "info",
      "events",
      "history",
      "logs",
      "top",
      "stats",
      "port",
      "diff",
      "exists",
      "version",
    ].includes(verb)
  )
    return [v("low", "read", `${object} ${verb} only reads`)];
  if (object === "system" && verb === "prune")
    return [
      v(
        "high",
        "system-prune",
        `system prune deletes stopped containers, unused networks and images${hasOption(rest, ["--volumes"]) ? " and volumes with their data" : ""}`,
      ),
    ];
  if (object === "system" && verb === "reset")
    return [v("high", "system-reset", "system reset deletes every container, image and volume")];
  if (object === "volume" && (verb === "rm" || verb === "remove" || verb === "prune"))
    return [
      v(
        "high",
        `volume-${verb === "prune" ? "prune" : "rm"}`,
        `volume ${verb} deletes volumes and the data in them`,
      ),
    ];
  if (object === "network" && (verb === "rm" || verb === "remove" || verb === "prune"))
    return [v("high", "network-rm", `network ${verb} removes networks that running services may depend on`)];
  if (object === "container" && verb === "prune")
    return [v("high", "container-prune", "container prune deletes all stopped containers and their data")];
  if (object === "container" && (verb === "rm" || verb === "remove")) return [containerRm(rest)];
  if (object === "image" && (verb === "rm" || verb === "remove")) return [imageRm(rest)];
  if (object === "image" && verb === "prune")
    return [
      all
        ? v("high", "image-prune-all", "image prune -a deletes every image not used by a container")
        : v("medium", "image-prune", "deletes dangling images"),
    ];
  if ((object === "builder" || object === "buildx") && verb === "prune")
    return [v("medium", "build-cache-prune", "deletes the build cache (rebuilds get slower)")];
  if (
    [
      "pod",
      "machine",
      "service",
      "stack",
      "secret",
      "node",
      "plugin",
      "config",
      "context",
      "manifest",
      "swarm",
    ].includes(object) &&
    ["rm", "remove", "prune", "leave", "reset"].includes(verb)
  )
    return [
      v(
        force || object === "stack" || object === "service" || object === "secret" || object === "machine"
          ? "high"
          : "medium",
        `${object}-rm`,
        `${object} ${verb} removes ${object}s`,
      ),
    ];
  if (object === "container" && (verb === "run" || verb === "create" || verb === "exec"))
    return [
      v("medium", verb, `starts a container`),
      ...isolationFindings(runOptions(rest.slice(rest.indexOf(verb) + 1)), ctx),
    ];
  return [v("medium", object, `${object} ${verb} changes containers or their resources`)];
}

function containerRm(rest: readonly string[]): Verdict {
  if (hasOption(rest, ["--volumes"], "v"))
    return v("high", "rm-volumes", "rm -v deletes containers together with their anonymous volumes");
  if (hasOption(rest, ["--force"], "f"))
    return v(
      "high",
      "rm-force",
      `rm -f kills and deletes ${
        operands(rest)
          .map((o) => o.value)
          .join(" ") || "containers"
      } with their data`,
    );
  return v("medium", "rm", "deletes stopped containers and the data inside them");
}

function imageRm(rest: readonly string[]): Verdict {
  if (hasOption(rest, ["--force"], "f"))
    return v("high", "rmi-force", "rmi -f deletes images even when containers use them");
  return v("medium", "rmi", "deletes images (they can be pulled or rebuilt)");
}

export function classifyContainers(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  const list = inv.argv.slice(1).map((w) => w.value);
  const out: Verdict[] = [];
  if (inv.program === "docker-compose" || inv.program === "podman-compose")
    out.push(...classifyCompose(list, ctx));
  else {
    const { sub, at, rest } = splitAtSubcommand(list, GLOBAL);
    if (inv.argv[at + 1]?.dynamic)
      out.push(v("medium", "dynamic-subcommand", "the subcommand is only known at run time"));
    else if (sub === undefined) out.push(v("low", "read", `${inv.program} without a command prints help`));
    else if (hasOption(rest, ["--help"])) out.push(v("low", "help", `shows help for ${sub}`));
    else if (sub === "compose") out.push(...classifyCompose(rest, ctx));
    else if (sub === "run" || sub === "create")
      out.push(v("medium", sub, `starts a container`), ...isolationFindings(runOptions(rest), ctx));
    else if (sub === "exec") {
      out.push(v("medium", "exec", "runs a command inside a container"));
      if (hasOption(runOptions(rest), ["--privileged"]))
        out.push(v("high", "exec-privileged", "exec --privileged runs with full access to the host"));
    } else if (sub === "rm") out.push(containerRm(rest));
    else if (sub === "rmi") out.push(imageRm(rest));
    else if (sub === "prune")
      out.push(v("high", "system-prune", "prune deletes unused containers, images and networks"));
    else if (
      [
        "container",
        "image",
        "volume",
        "network",
        "system",
        "builder",
        "buildx",
        "pod",
        "machine",
        "service",
        "stack",
        "secret",
        "node",
        "plugin",
        "context",
        "manifest",
        "swarm",
        "trust",
      ].includes(sub)
    )
      out.push(...classifyManaged(sub, rest, ctx));
    else if (READ.has(sub)) out.push(v("low", "read", `${sub} only reads`));
    else if (MEDIUM.has(sub)) out.push(v("medium", sub, `${sub} changes containers or images`));
    else out.push(v("medium", "unknown-subcommand", `\`${inv.program} ${sub}\` is not a known command`));
  }
  return out.map((f) => finding(f.risk, f.rule, f.reason, index));
}

export const containersPack: RulePack = {
  name: "containers",
  programs: ["docker", "podman", "nerdctl", "docker-compose", "podman-compose"],
  classify: classifyContainers,
};
