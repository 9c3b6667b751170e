// The API's request bodies (validated with zod) and the OpenAPI document generated from the same schemas,
// so docs/openapi.json cannot describe a body the server would not accept (test/daemon/openapi.test.ts).
import { z } from "zod";

export const API_VERSION = "v1";

const env = z
  .record(z.string(), z.string())
  .describe("the caller's environment: HOME, KUBECONFIG, AWS_PROFILE… are facts of the request");

const commandRequest = z.strictObject({
  kind: z.literal("command"),
  command: z.string().max(1 << 20),
  cwd: z.string().startsWith("/").describe("absolute"),
  env: env.optional(),
  user: z.string().optional(),
  agent: z.strictObject({ name: z.string(), session: z.string().optional() }).optional(),
  rationale: z.string().optional(),
});

const fileRequest = z.strictObject({
  kind: z.literal("file"),
  op: z.enum(["read", "write", "edit", "delete"]),
  path: z.string().min(1),
  cwd: z.string().startsWith("/"),
  env: env.optional(),
  user: z.string().optional(),
  agent: z.strictObject({ name: z.string(), session: z.string().optional() }).optional(),
  rationale: z.string().optional(),
  tool: z.string().optional(),
});

export const evaluateBody = z
  .strictObject({
    request: z.discriminatedUnion("kind", [commandRequest, fileRequest]),
    policy_file: z.string().startsWith("/").optional().describe("like --policy FILE (absolute)"),
    profile: z.string().optional(),
    yolo: z.boolean().optional(),
    no_approval: z.boolean().optional(),
  })
  .describe("one command or file request, decided like `warden check --json`");

const auditEvent = z
  .looseObject({
    type: z.enum(["request", "decision", "approval", "start", "end", "note"]),
    request_id: z.string().optional(),
  })
  .describe("an audit event (docs/audit-format.md); redacted before it is written");

export const runEventsBody = z
  .strictObject({ events: z.array(auditEvent).min(1).max(64) })
  .describe("events of a `warden exec` run; answered once they are durable");

export const approvalBody = z
  .looseObject({ v: z.literal(1), request: z.string(), decision: z.enum(["approve", "deny"]) })
  .describe("a signed approval token as `warden approve` makes it (src/approval/token.ts)");

export const ticketRedeemBody = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
    command: z.string().max(1 << 20),
    cwd: z.string().startsWith("/"),
  })
  .describe(
    "spend a run ticket a hook answer filed (src/sandbox/ticket.ts) for exactly this command and cwd",
  );

/** What a hook endpoint answers: what `warden hook AGENT` would print, and its exit code. */
export const hookAnswer = z.strictObject({
  stdout: z.string(),
  stderr: z.string(),
  exit_code: z.number().int(),
  warnings: z.array(z.string()).optional(),
});

export const errorBody = z.strictObject({
  error: z.string().describe("one line"),
  code: z.enum([
    "bad-request",
    "malformed-json",
    "invalid-body",
    "unsupported-media-type",
    "payload-too-large",
    "not-found",
    "method-not-allowed",
    "policy-unavailable",
    "audit-unavailable",
    "approval-rejected",
    "ticket-refused",
    "forbidden",
    "busy",
    "internal",
  ]),
});

const verdict = z
  .looseObject({
    decision: z.enum(["allow", "ask", "deny"]),
    risk: z.enum(["low", "medium", "high", "critical"]),
    findings: z.array(z.looseObject({ risk: z.string(), rule: z.string(), reason: z.string() })),
    forbidden: z.boolean(),
    policy: z.string(),
    reasons: z.array(z.string()),
  })
  .describe("the Verdict (DESIGN.md §3), exactly as `warden check --json` prints it");

export const evaluateAnswer = z.strictObject({
  verdict,
  spans: z
    .array(z.tuple([z.number(), z.number()]))
    .optional()
    .describe("each invocation's offsets"),
  warnings: z.array(z.string()).optional(),
});

function schema(s: z.ZodType): unknown {
  return z.toJSONSchema(s, { io: "input", unrepresentable: "any" });
}

function json(s: z.ZodType, description: string) {
  return { description, content: { "application/json": { schema: schema(s) } } };
}

const errors = {
  "400": json(errorBody, "malformed JSON or a body the schema rejects"),
  "413": json(errorBody, "body larger than the limit (1 MiB)"),
  "403": json(errorBody, "a human-only operation on a system daemon's agents' socket"),
  "415": json(errorBody, "content type is not application/json"),
  "503": json(errorBody, "no good policy, or the audit log cannot be written: nothing was decided"),
};

export function openApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: {
      title: "Warden daemon API",
      version,
      description:
        "HTTP/1.1 + JSON over the daemon's Unix socket ($XDG_RUNTIME_DIR/warden/warden.sock). See docs/api.md.",
    },
    servers: [{ url: "http://warden" }],
    paths: {
      "/v1/health": {
        get: {
          summary: "Liveness, the policy problems in force, the audit head",
          responses: { "200": { description: "the daemon answers" } },
        },
      },
      "/v1/evaluate": {
        post: {
          summary: "Decide one command or file request (like `warden check --json`); records nothing",
          requestBody: { required: true, content: { "application/json": { schema: schema(evaluateBody) } } },
          responses: { "200": json(evaluateAnswer, "the verdict"), ...errors },
        },
      },
      "/v1/hook/{agent}": {
        post: {
          summary: "Answer a raw agent hook payload as `warden hook AGENT` would (recorded before answering)",
          parameters: [
            { name: "agent", in: "path", required: true, schema: { enum: ["claude", "gemini", "codex"] } },
            { name: "policy", in: "query", schema: { type: "string" }, description: "--policy FILE" },
            { name: "profile", in: "query", schema: { type: "string" }, description: "--profile NAME" },
            { name: "ask", in: "query", schema: { enum: ["deny", "native"] }, description: "--ask" },
            {
              name: "x-warden-env",
              in: "header",
              schema: { type: "string" },
              description: "base64 of the hook's environment as JSON (default: the daemon's)",
            },
          ],
          requestBody: {
            required: true,
            content: {
              "application/json": { schema: { type: "object", description: "the agent's payload" } },
            },
          },
          responses: { "200": json(hookAnswer, "print stdout and stderr, exit with exit_code"), ...errors },
        },
      },
      "/v1/runs/events": {
        post: {
          summary: "Record events of a `warden exec` run; answered once durable",
          requestBody: { required: true, content: { "application/json": { schema: schema(runEventsBody) } } },
          responses: { "200": { description: "seq, hash and id of each record" }, ...errors },
        },
      },
      "/v1/tickets/redeem": {
        post: {
          summary: "Spend a run ticket (once) for `warden exec --ticket`; the ticket, or why it is refused",
          requestBody: {
            required: true,
            content: { "application/json": { schema: schema(ticketRedeemBody) } },
          },
          responses: {
            "200": { description: "{ticket: {...}}: the caller still checks the policy hash it names" },
            "422": json(errorBody, "no such ticket, used, expired, or for another command or directory"),
            ...errors,
          },
        },
      },
      "/v1/pending": {
        get: {
          summary: "Approval requests waiting for a human",
          responses: { "200": { description: "{pending: [...]}" } },
        },
      },
      "/v1/approvals": {
        post: {
          summary:
            "Submit a signed approval or denial token for a pending request (refused on a system daemon's agents' socket)",
          requestBody: { required: true, content: { "application/json": { schema: schema(approvalBody) } } },
          responses: {
            "200": { description: "stored; how many approvals the request has and needs" },
            "422": json(errorBody, "the token does not verify against the pending request"),
            ...errors,
          },
        },
      },
      "/metrics": {
        get: {
          summary: "Prometheus text format",
          responses: { "200": { description: "text/plain; version=0.0.4" } },
        },
      },
    },
  };
}

/** One line naming the first problem, for 400 answers. */
export function zodReason(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid body";
  const at = issue.path.length > 0 ? issue.path.join(".") : "body";
  return `${at}: ${issue.message}`.replace(/\s+/g, " ");
}
