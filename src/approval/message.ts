// What an agent is told when a human must decide, worded so an LLM relays it to its user faithfully.
import type { Request, Verdict } from "../types.ts";

export interface ApprovalMessageInput {
  id: string;
  request: Request;
  verdict: Pick<Verdict, "risk" | "findings">;
  /** Two approvers needed (the policy's approval.two_person). */
  twoPerson?: boolean;
  /** Why the last retry was not approved, when there was one (expired token, denial …). */
  refusal?: string;
  expires?: number;
}

function describe(request: Request): string {
  const text = request.kind === "command" ? request.command : `${request.op} ${request.path}`;
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

export function approvalNeededMessage(input: ApprovalMessageInput): string {
  const { id, request, verdict } = input;
  const reasons = verdict.findings
    .slice(0, 3)
    .map((f) => f.reason)
    .join("; ");
  const parts = [
    `Warden did not run this: \`${describe(request)}\` is ${verdict.risk} risk${reasons ? ` (${reasons})` : ""} and needs a human's approval.`,
  ];
  if (input.refusal) parts.push(`It is not approved yet: ${input.refusal}.`);
  parts.push(
    input.twoPerson
      ? `Tell the user: two different approvers must each run \`warden approve ${id}\` (approval request ${id}).`
      : `Tell the user: review it with \`warden pending\` and run \`warden approve ${id}\` to allow it once, or \`warden deny ${id} --reason "…"\`.`,
  );
  if (input.expires) parts.push(`The request expires at ${new Date(input.expires).toISOString()}.`);
  parts.push(
    "After it is approved, retry exactly the same request unchanged (same command, directory and environment); a changed command needs a new approval. Do not try another way to do the same thing.",
  );
  return parts.join(" ");
}
