// Classification: every invocation against the rule packs; the request's risk is the worst finding.
import type { Analysis, Finding, Invocation, Risk, RuleContext } from "../types.ts";
import { maxRisk, riskRank } from "../types.ts";
import { cloudPack } from "./cloud.ts";
import { containersPack } from "./containers.ts";
import { databasesPack } from "./databases.ts";
import { devPack } from "./dev.ts";
import { filesystemPack } from "./filesystem.ts";
import { classifyUnknown } from "./generic.ts";
import { ghPack } from "./gh.ts";
import { gitPack } from "./git.ts";
import { classifyNotes } from "./hidden.ts";
import { homeProgram } from "./home-program.ts";
import { iacPack } from "./iac.ts";
import { interpretersPack } from "./interpreters.ts";
import { kubernetesPack } from "./kubernetes.ts";
import { setNestedClassifier } from "./nested.ts";
import { networkPack } from "./network.ts";
import type { RulePack } from "./pack.ts";
import { packagesPack } from "./packages.ts";
import { expandWord, normalize } from "./paths.ts";
import { privilegePack } from "./privilege.ts";
import { processesPack } from "./processes.ts";
import { redirectPack } from "./redirect.ts";
import { secretsPack } from "./secrets.ts";
import { selfPack } from "./self.ts";
import { classifySequence } from "./sequence.ts";
import { vaultsPack } from "./vaults.ts";

export const PACKS: readonly RulePack[] = [
  filesystemPack,
  redirectPack,
  privilegePack,
  interpretersPack,
  packagesPack,
  networkPack,
  secretsPack,
  devPack,
  gitPack,
  ghPack,
  containersPack,
  kubernetesPack,
  cloudPack,
  iacPack,
  databasesPack,
  vaultsPack,
  processesPack,
  selfPack,
];

const byProgram = new Map<string, RulePack[]>();
const everywhere: RulePack[] = [];
for (const pack of PACKS) {
  if (pack.programs === "*") everywhere.push(pack);
  else
    for (const program of pack.programs) {
      const list = byProgram.get(program) ?? [];
      list.push(pack);
      byProgram.set(program, list);
    }
}

/** Packs that claim a program by name (case-sensitive basename, as the shell would run it). */
export function packsFor(program: string): readonly RulePack[] {
  return byProgram.get(program) ?? [];
}

function classifyInvocation(inv: Invocation, ctx: RuleContext, index: number, isFunction = false): Finding[] {
  if (inv.program === null) {
    const program = homeProgram(inv, ctx);
    if (program !== null) return classifyInvocation({ ...inv, program }, ctx, index, isFunction);
    return [
      {
        risk: "high",
        rule: "shell.dynamic-command",
        reason: `the command name \`${inv.argv[0]?.text ?? ""}\` is only known at run time`,
        invocation: index,
      },
    ];
  }
  const findings: Finding[] = [];
  const packs = packsFor(inv.program);
  for (const pack of packs) findings.push(...pack.classify(inv, ctx, index));
  // xargs/parallel append the words they read from stdin, but also run the command with none of them
  // (empty input): judge that form too, so the extra word can never make a target look safer.
  const last = inv.argv[inv.argv.length - 1];
  if (inv.argv.length > 1 && last?.dynamic && last.text === "" && stdinFed(inv)) {
    const bare: Invocation = { ...inv, argv: inv.argv.slice(0, -1) };
    for (const pack of packs) findings.push(...pack.classify(bare, ctx, index));
  }
  // A call of a function defined in the same command runs its body, which is classified on its own.
  if (packs.length === 0 && !isFunction) findings.push(...classifyUnknown(inv, ctx, index));
  for (const pack of everywhere) findings.push(...pack.classify(inv, ctx, index));
  return findings;
}

function stdinFed(inv: Invocation): boolean {
  const outer = inv.via[inv.via.length - 1];
  return outer === "xargs" || outer === "parallel";
}

export function classify(analysis: Analysis, ctx: RuleContext): Finding[] {
  const findings: Finding[] = [];
  for (const d of analysis.diagnostics) {
    findings.push({
      risk: "high",
      rule: `shell.${d.kind}-error`,
      reason: `the command cannot be analysed safely: ${d.message}`,
      ...(d.span ? { span: d.span } : {}),
    });
  }
  const functionCalls = new Set(
    analysis.notes.filter((n) => n.kind === "function-called").map((n) => n.invocation),
  );
  // Paths are judged from the request's cwd. After a literal `cd DIR` (`cd .claude && echo {} > settings.json`)
  // later relative paths may mean DIR/…: each later invocation is judged from DIR too, and what is worse there
  // is kept. An over-approximation (a `cd` inside a subshell does not move later commands), never a loosening.
  let moved: string | null = null;
  analysis.invocations.forEach((inv, i) => {
    const own = classifyInvocation(inv, ctx, i, functionCalls.has(i));
    findings.push(...own);
    if (moved !== null && moved !== ctx.cwd) {
      const there = classifyInvocation(inv, { ...ctx, cwd: moved }, i, functionCalls.has(i));
      const worst = worstRisk(own);
      for (const f of there)
        if (riskRank(f.risk) > riskRank(worst))
          findings.push({ ...f, reason: `${f.reason} (after \`cd ${moved}\`)` });
    }
    if (inv.program === "cd" || inv.program === "pushd") moved = cdTarget(inv, moved ?? ctx.cwd, ctx);
  });
  findings.push(...classifyNotes(analysis));
  findings.push(...classifySequence(analysis, ctx, findings));
  return findings;
}

// Packs that find shell text inside code (`os.system("…")`, here-docs fed to shells) classify it with this.
setNestedClassifier(classify);

/** Where a `cd` goes when its one argument is literal; null when only known at run time. */
function cdTarget(inv: Invocation, from: string, ctx: RuleContext): string | null {
  const args = inv.argv.slice(1).filter((w) => w.value !== "--" && !/^-[LPe@]+$/.test(w.value));
  if (args.length === 0) return ctx.home;
  if (args.length > 1 || args[0]!.value === "-") return null;
  const dir = expandWord(args[0]!, ctx);
  return dir.known && !dir.glob ? normalize(dir.value, from) : null;
}

export function worstRisk(findings: readonly Finding[]): Risk {
  return findings.reduce<Risk>((acc, f) => maxRisk(acc, f.risk), "low");
}
