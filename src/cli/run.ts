// `warden run`: start an agent CLI inside the session sandbox (argument parsing only; src/sandbox/session.ts).
import { loadCliPolicy, parseCli } from "./args.ts";
import { CliError } from "./errors.ts";

const HELP = `usage: warden run [--profile NAME] [--policy FILE] [--bwrap|--landlock] [--net|--no-net] -- AGENT ARGS...

Starts AGENT (claude, gemini, codex or any program) and everything it starts inside one kernel-enforced
boundary: blocked programs cannot run from any of its shells, Warden's state and the agents' settings and
hooks are read-only, secrets hidden, the workspace (the current directory) writable, the network shared
unless the policy says sandbox.session.network: false. Hooks inside reach the Warden daemon (started when
none runs; WARDEN_DAEMON=off does not start one).

  --bwrap      bubblewrap only (user namespaces)
  --landlock   Landlock only (Linux >= 5.13): write and execute restrictions without namespaces
               default: bwrap where it works, else Landlock; neither: refuse (exit 125)
  --net        share the network;  --no-net  no network (bwrap: none; Landlock ABI >= 4: no TCP)

Exit status: the agent's own (128 + N when killed by signal N); 125 Warden could not confine, start or
record the session; 126 the agent cannot be executed (e.g. it is blocked); 127 not found.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli("run", argv, {
    profile: { type: "string" },
    policy: { type: "string" },
    bwrap: { type: "boolean" },
    landlock: { type: "boolean" },
    net: { type: "boolean" },
    "no-net": { type: "boolean" },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (values.bwrap && values.landlock) throw new CliError("run: give --bwrap or --landlock, not both");
  if (values.net && values["no-net"]) throw new CliError("run: give --net or --no-net, not both");
  if (positionals.length === 0)
    throw new CliError("run: no agent given (usage: warden run -- AGENT ARGS...)");
  const cwd = process.cwd();
  const { RUN_EXIT, runSession } = await import("../sandbox/session.ts");
  const policy = await loadCliPolicy(cwd, values.policy, RUN_EXIT.wardenError);
  return runSession({
    argv: positionals,
    cwd,
    env: process.env,
    policy,
    profile: values.profile,
    mechanism: values.bwrap ? "bwrap" : values.landlock ? "landlock" : "auto",
    net: values.net ? true : values["no-net"] ? false : undefined,
    say: (line) => process.stderr.write(`${line}\n`),
  });
}
