// The approval stage's one call site into the audit log. Core functions are synchronous and hand their
// events to a sink the caller owns (the hook queues them and flushes before answering the agent); the CLI
// appends them directly with `appendApprovalEvents`.
import type { AuditEvent } from "../audit/record.ts";

export type ApprovalAuditSink = (event: AuditEvent) => void;

export type ApprovalEventKind =
  | "requested" // a pending approval request was filed
  | "approved" // an approver signed an approval
  | "denied" // an approver signed a denial
  | "consumed" // a retry spent the approval (the command may run)
  | "rejected" // a token failed verification (expired, forged, wrong key, mismatched, spent …)
  | "refused"; // a retry found no valid approval

export function approvalEvent(
  kind: ApprovalEventKind,
  fields: Omit<AuditEvent, "type" | "details"> & { details?: Record<string, unknown> },
): AuditEvent {
  const { details, ...rest } = fields;
  return { type: "approval", ...rest, details: { event: kind, ...details } };
}

/** Appends events to the audit log (fsynced before it resolves). */
export async function appendApprovalEvents(
  events: readonly AuditEvent[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  if (events.length === 0) return;
  const { open, defaultAuditDir, defaultKeyDir } = await import("../audit/log.ts");
  const log = await open(defaultAuditDir(env), { keyDir: defaultKeyDir(env), checkpointIntervalMs: 0 });
  try {
    await log.appendMany(events);
  } finally {
    await log.close();
  }
}
