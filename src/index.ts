// The library API: every entry point (CLI, hooks, MCP, plans) goes through evaluate().
import { decideFacts, decideWithPolicy } from "./policy/index.ts";
import { builtinPolicy, type LoadedPolicy } from "./policy/load.ts";
import { classify } from "./rules/index.ts";
import { analyze } from "./shell/index.ts";
import type {
  Analysis,
  CommandRequest,
  FileOp,
  FileRequest,
  Finding,
  Invocation,
  ProjectFacts,
  Request,
  RuleContext,
  Verdict,
  Word,
} from "./types.ts";
import { projectFacts } from "./workspace/index.ts";

export {
  analysisEffects,
  blockedPrograms,
  decide,
  invocationEffects,
  type LoadedPolicy,
  loadPolicy,
  loadPolicyFile,
  PolicyError,
} from "./policy/index.ts";
export { classify, worstRisk } from "./rules/index.ts";
export { analyze } from "./shell/index.ts";
export type * from "./types.ts";

export interface EvaluateOptions {
  /** From `loadPolicy({cwd, policyFile, env})`; default: the built-in policy (no files read). */
  policy?: LoadedPolicy;
  /** `--profile NAME`; otherwise the profile the policy assigns to the agent or the OS user. */
  profile?: string | undefined;
  /** `--yolo`: explicit risk acceptance (only for users in yolo.allowed_users). */
  yolo?: boolean;
  /** `--no-approval`: nobody can approve, every ask becomes deny. */
  noApproval?: boolean;
  /** Whether the command runs in the container/VM the policy declares (default: yes when declared). */
  container?: boolean;
  /** The OS user (default: request.user, then $USER of the request's environment). */
  user?: string;
  /** The workspace's own code (default: read lazily from the workspace on disk). */
  project?: ProjectFacts;
}

export function ruleContext(
  request: Pick<CommandRequest, "cwd" | "env">,
  policy: { unknown: RuleContext["unknownRisk"]; paths: { workspace?: string } } = builtinPolicy().effective(
    null,
  ),
): RuleContext {
  const env = request.env ?? {};
  const facts = decideFacts({ cwd: request.cwd, env }, policy.paths.workspace);
  return {
    cwd: request.cwd,
    workspace: facts.workspace,
    home: env.HOME ?? facts.home,
    env,
    unknownRisk: policy.unknown,
    project: projectFacts(facts.workspace),
  };
}

export interface Evaluation {
  analysis: Analysis;
  findings: Finding[];
  verdict: Verdict;
}

const FILE_PROGRAM: Record<FileOp, string[]> = {
  read: ["cat", "--"],
  write: ["tee", "--"],
  edit: ["tee", "-a", "--"],
  delete: ["rm", "--"],
};

/**
 * A file-tool request judged as the shell command with the same effect, built as an invocation (never
 * re-parsed), so `Read(.env)` and `cat .env` get the same rules, path permissions and secret checks.
 */
function fileAnalysis(request: FileRequest): Analysis {
  const word = (value: string): Word => ({ value, text: value, dynamic: false });
  const argv = [...FILE_PROGRAM[request.op], request.path].map(word);
  const source = argv.map((w) => w.value).join(" ");
  const inv: Invocation = {
    argv,
    program: argv[0]!.value,
    via: [],
    redirects: [],
    assignments: [],
    stdin: null,
    span: [0, source.length],
  };
  return { source, invocations: [inv], notes: [], diagnostics: [] };
}

/** analyze → classify → decide for a command or a file operation. One argument: the built-in policy. */
export function evaluate(request: Request, options: EvaluateOptions = {}): Evaluation {
  const loaded = options.policy ?? builtinPolicy();
  const env = request.env ?? {};
  const user = options.user ?? request.user ?? env.USER;
  const agent = request.agent?.name;
  const profile = loaded.selectProfile({ explicit: options.profile, user, agent });
  const policy = loaded.effective(profile);
  const facts = decideFacts(
    {
      cwd: request.cwd,
      env,
      ...(user !== undefined ? { user } : {}),
      ...(agent !== undefined ? { agent } : {}),
    },
    policy.paths.workspace,
  );
  const ctx: RuleContext = {
    cwd: request.cwd,
    workspace: facts.workspace,
    home: env.HOME ?? facts.home,
    env,
    unknownRisk: policy.unknown,
    project: options.project ?? projectFacts(facts.workspace),
  };
  const analysis = request.kind === "file" ? fileAnalysis(request) : analyze(request.command);
  const findings = classify(analysis, ctx);
  const verdict = decideWithPolicy(analysis, findings, policy, facts, options);
  if (request.kind === "file")
    verdict.reasons.unshift(
      `file request ${request.tool ?? request.op} ${request.path}: judged as \`${analysis.source}\``,
    );
  return { analysis, findings, verdict };
}
