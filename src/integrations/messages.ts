// The words an agent and its user read when Warden blocks or questions a tool call. A deny reason is read
// by the model (which must not try to work around it) and by the user (who may want to approve it), so it
// says what was blocked, which rule, and what to do instead.
import type { Finding, Request, Verdict } from "../types.ts";

/** Safer ways to reach the same goal, keyed on the request text. First match wins. */
const ALTERNATIVES: { when: RegExp; instead: string }[] = [
  {
    when: /\bgit\s+(?:\S+\s+)*(checkout|restore)\s+(?:\S+\s+)*(--\s+)?\.(\s|$)/,
    instead: "use `git stash` instead of discarding the working tree, so the changes stay recoverable",
  },
  {
    when: /\bgit\s+(?:\S+\s+)*reset\s+(?:\S+\s+)*--hard\b/,
    instead: "use `git stash` (recoverable) or `git reset --keep` instead of `git reset --hard`",
  },
  {
    when: /\bgit\s+(?:\S+\s+)*push\s+(?:\S+\s+)*(--force\b|-f\b)/,
    instead: "use `git push --force-with-lease`, which refuses to overwrite work you have not seen",
  },
  {
    when: /\bgit\s+(?:\S+\s+)*clean\s+(?:\S+\s+)*-\w*f/,
    instead: "run `git clean -n` to list what would go, or `git stash -u` to set untracked files aside",
  },
  {
    when: /\bgit\s+(?:\S+\s+)*branch\s+(?:\S+\s+)*-D\b/,
    instead: "use `git branch -d`, which refuses to delete unmerged work",
  },
  {
    when: /\b(curl|wget)\b[^|]*\|\s*(sudo\s+)?(ba|z|da|k)?sh\b/,
    instead: "download the script to a file, show it to the user, and run it only after they have read it",
  },
  { when: /\bchmod\s+(-R\s+)?0?777\b/, instead: "grant only what is needed, e.g. `chmod u+x FILE`" },
  {
    when: /\brm\s+(?:\S+\s+)*-\w*[rR]/,
    instead:
      "delete the specific paths you created inside the workspace, or move them aside with `mv` so they can be restored",
  },
  {
    when: /\bkubectl\s+(?:\S+\s+)*delete\b/,
    instead: "show the user `kubectl delete --dry-run=server …` output and let them run the delete",
  },
  {
    when: /\bterraform\s+(?:\S+\s+)*(destroy|apply)\b/,
    instead: "run `terraform plan` and show the user the plan",
  },
  {
    when: /\b(DROP|TRUNCATE)\s+(TABLE|DATABASE|SCHEMA)\b/i,
    instead: "write a migration the user can review, or take a backup first",
  },
  {
    when: /\bdocker\s+(system|volume|image|container)\s+prune\b/,
    instead: "remove the specific containers or images you created by name",
  },
  { when: /\bnpm\s+publish\b/, instead: "run `npm publish --dry-run` and let the user publish" },
  {
    when: /(^|\s)sudo\s/,
    instead: "run the command without `sudo`, or ask the user to run the privileged step themselves",
  },
  {
    when: /(^|[\s/'"])\.env(\.[\w.-]+)?(['"\s]|$)|\bid_(rsa|ed25519|ecdsa)\b|\.aws\/credentials|\.ssh\//,
    instead: "ask the user for the one value you need, or read an example file such as `.env.example`",
  },
];

export function requestText(request: Request): string {
  return request.kind === "command" ? request.command : `${request.tool ?? request.op}(${request.path})`;
}

export function saferAlternative(request: Request): string | undefined {
  const text = request.kind === "command" ? request.command : request.path;
  return ALTERNATIVES.find((a) => a.when.test(text))?.instead;
}

/** The findings that made the decision: those at the request's risk, most specific first. */
export function decisiveFindings(verdict: Verdict): Finding[] {
  const top = verdict.findings.filter((f) => f.risk === verdict.risk);
  return top.length > 0 ? top : verdict.findings.slice(0, 1);
}

function why(verdict: Verdict): string {
  const findings = decisiveFindings(verdict);
  if (findings.length === 0) return verdict.reasons[0] ?? `risk ${verdict.risk}`;
  return findings
    .slice(0, 3)
    .map((f) => `${f.reason} (rule ${f.rule})`)
    .join("; ");
}

function clip(text: string, max = 200): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export interface DenyContext {
  request: Request;
  verdict: Verdict;
  /** Pending approval the user can grant, when the verdict was `ask` and the agent cannot ask. */
  approvalId?: string;
  /** The verdict was `ask` but this agent has no way to ask its user. */
  couldNotAsk?: boolean;
}

/** For the model and the user together: what, which rule, what instead, how a human can allow it. */
export function denyReason(ctx: DenyContext): string {
  const { request, verdict } = ctx;
  const what = request.kind === "command" ? "command" : `${request.op} of a file`;
  const parts = [`Warden blocked this ${what}: \`${clip(requestText(request))}\` — ${why(verdict)}.`];
  if (verdict.forbidden) parts.push("This is forbidden by policy and cannot be approved.");
  const instead = saferAlternative(request);
  if (instead) parts.push(`Instead, ${instead}.`);
  if (!verdict.forbidden) {
    if (ctx.approvalId) {
      parts.push(
        `It needs a human decision: ask the user to run \`warden approve ${ctx.approvalId}\`, then retry the same request unchanged.`,
      );
    } else if (ctx.couldNotAsk) {
      parts.push(
        "It needs a human decision: tell the user what you wanted to do and why, and let them run it.",
      );
    } else {
      parts.push(
        "Do not try to get around this block with another tool or spelling; tell the user what you wanted to do.",
      );
    }
  }
  return parts.join(" ");
}

/** For the user, shown in the agent's permission prompt. */
export function askReason(request: Request, verdict: Verdict): string {
  const parts = [`Warden: ${verdict.risk} risk — ${why(verdict)}.`];
  if (request.rationale) parts.push(`The agent says: "${clip(request.rationale, 160)}".`);
  const instead = saferAlternative(request);
  if (instead) parts.push(`Safer: ${instead}.`);
  return parts.join(" ");
}

export function allowReason(verdict: Verdict): string {
  return `Warden: ${verdict.risk} risk, allowed by policy.`;
}
