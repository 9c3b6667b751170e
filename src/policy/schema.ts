// The zod schema of a policy file. Imported lazily (only when a policy file exists on disk): the built-in
// policy is a TypeScript object and never pays for zod.
import * as zod from "zod";
import { knownKeysIn } from "../yaml-file.ts";
import { caseless, TIERS } from "./aliases.ts";
import type { PolicyDocument, Tier } from "./document.ts";

const z = zod.z;

const risk = z.enum(["low", "medium", "high", "critical"]);
/** A tier name (aliases.ts) in any letter case, canonical upper case once validated. */
const tier = (names: readonly Tier[]) =>
  z
    .string()
    .regex(new RegExp(`^(${names.map(caseless).join("|")})$`), `one of ${names.join(", ")}`)
    .transform((s) => s.toUpperCase() as Tier);
const riskName = z
  .union([risk, tier(TIERS.filter((t) => t !== "BLOCK")).transform((t) => t as Exclude<Tier, "BLOCK">)])
  .describe("low, medium, high, critical (or the tier names FREE, REVIEW, APPROVE)");
const decision = z.enum(["allow", "ask", "deny"]);
const raise = z.enum(["ask", "deny"]);
const op = z.enum(["read", "write", "delete", "execute"]);
const permission = z.union([z.enum(["none", "read", "write", "delete", "execute", "full"]), z.array(op)]);
const strings = z.array(z.string().min(1));
const oneOrMany = z.union([z.string().min(1), strings]);
const timestamp = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), { message: "not a date/time (use e.g. 2026-12-01T00:00Z)" })
  .describe("ISO 8601 date/time after which the entry is ignored");
/** What parseSize (compile.ts) reads: a number with an optional k/m/g/t unit, `i` and `b` optional. */
const SIZE_TEXT = /^\s*\d+(\.\d+)?\s*([kmgt]i?b?|b)?\s*$/i;
const size = z
  .union([z.number().nonnegative(), z.string().regex(SIZE_TEXT, "a size such as 1MB, 512k or 2GiB")])
  .describe("largest existing file the grant covers");

const amount = z
  .union([z.number().positive(), z.string().regex(SIZE_TEXT, "a size such as 512MiB or 4GiB")])
  .describe("bytes, or a size such as 512MiB or 4GiB");

const rule = z
  .strictObject({
    match: z.string().min(1).optional().describe("argv pattern, prefix match, globs per word, flag-aware"),
    program: oneOrMany.optional(),
    subcommand: oneOrMany.optional(),
    regex: z.string().min(1).optional().describe("regex on the invocation's words joined by spaces"),
    exact: z.boolean().optional().describe("the whole argv must equal `match` word for word"),
    risk: z
      .union([risk, tier(TIERS)])
      .optional()
      .describe(
        "low, medium, high, critical; tier names FREE, REVIEW, APPROVE, and BLOCK (a forbidden entry)",
      ),
    decision: decision.optional(),
    reason: z.string().optional(),
    expires: timestamp.optional(),
    override: z.boolean().optional().describe("required to loosen an earlier deny"),
  })
  .refine((r) => r.match !== undefined || r.program !== undefined || r.regex !== undefined, {
    message: "a rule needs `match`, `program` or `regex`",
  })
  .refine((r) => r.risk !== undefined || r.decision !== undefined, {
    message: "a rule needs `risk` or `decision`",
  });

const forbidden = z.union([
  z.string().min(1),
  z
    .strictObject({
      match: z.string().min(1).optional(),
      program: oneOrMany.optional(),
      regex: z.string().min(1).optional(),
      reason: z.string().optional(),
      remove: z.boolean().optional(),
      override: z.boolean().optional(),
      expires: timestamp.optional(),
    })
    .refine((r) => r.match !== undefined || r.program !== undefined || r.regex !== undefined, {
      message: "a forbidden entry needs `match`, `program` or `regex`",
    }),
]);

const blocklist = z.strictObject({
  programs: strings.min(1),
  users: strings.optional(),
  agents: strings.optional(),
  profiles: strings.optional(),
  reason: z.string().optional(),
  expires: timestamp.optional(),
});

const pathEntry = z.strictObject({
  path: z.string().min(1),
  permission,
  decision: raise.optional(),
  reason: z.string().optional(),
  expires: timestamp.optional(),
  max_size: size.optional(),
});

/** A path named by an alias section: a plain path, or `{path, permission}`. */
const pathGrant = z.union([
  z.string().min(1),
  z.strictObject({ path: z.string().min(1), permission: permission.optional() }),
]);

const body = {
  unknown: riskName.optional().describe("risk of commands no rule knows"),
  decisions: z
    .strictObject({
      low: decision.optional(),
      medium: decision.optional(),
      high: decision.optional(),
      critical: decision.optional(),
      FREE: decision.optional().describe("alias of low"),
      REVIEW: decision.optional().describe("alias of medium"),
      APPROVE: decision.optional().describe("alias of high"),
      BLOCK: z.literal("deny").optional().describe("forbidden commands always deny"),
      override: z.boolean().optional(),
    })
    .optional()
    .describe("risk → decision"),
  approvals: z.boolean().optional().describe("false when nobody can answer a prompt: ask becomes deny"),
  rules: z.array(rule).optional(),
  forbidden: z.array(forbidden).optional(),
  blocklists: z.array(blocklist).optional(),
  paths: z
    .strictObject({
      workspace: z.string().min(1).optional(),
      outside: permission.optional(),
      decision: raise.optional(),
      entries: z.array(pathEntry).optional(),
    })
    .optional(),
  secrets: z
    .strictObject({ paths: strings.optional(), except: strings.optional(), decision: raise.optional() })
    .optional(),
  production: z
    .strictObject({
      namespaces: strings.optional(),
      contexts: strings.optional(),
      aws_profiles: strings.optional(),
      gcp_projects: strings.optional(),
      hosts: strings.optional(),
      databases: strings.optional(),
      action: z.enum(["raise", "ask", "deny"]).optional(),
    })
    .optional(),
  yolo: z
    .strictObject({ allowed_users: strings.optional(), allow_critical: z.boolean().optional() })
    .optional(),
  container: z.strictObject({ backend: z.string().min(1), name: z.string().optional() }).optional(),
  sandbox: z
    .strictObject({
      unavailable: z.enum(["refuse", "unconfined"]).optional(),
      network: z.boolean().optional(),
      unix_sockets: z.boolean().optional(),
      session: z
        .strictObject({ network: z.boolean().optional() })
        .optional()
        .describe("`warden run` sessions: network (default true)"),
      hooks: z
        .enum(["confine", "off"])
        .optional()
        .describe("hook agents' commands run in the sandbox (confine)"),
      confined_decisions: z
        .strictObject({ medium: z.enum(["allow", "ask"]).optional() })
        .optional()
        .describe("decisions for commands that run confined without network"),
      env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name")).optional(),
      timeout: z.number().positive().optional().describe("seconds"),
      limits: z
        .strictObject({
          memory: amount.optional(),
          cpu: z.number().int().positive().optional().describe("CPU seconds"),
          file_size: amount.optional(),
          open_files: z.number().int().positive().optional(),
          processes: z.number().int().positive().optional(),
        })
        .optional(),
    })
    .optional(),
  audit: z.strictObject({ required: z.boolean().optional() }).optional(),
  filesystem: z
    .strictObject({
      protected_paths: z
        .array(pathGrant)
        .optional()
        .describe("alias: paths.entries, permission read by default"),
      context_paths: z.array(pathGrant).optional().describe("alias: paths.entries, read-only by default"),
    })
    .optional()
    .describe("alias section (other agent-safety systems' keys); warden policy lint names Warden's own"),
  safety: z
    .strictObject({
      block_production: z.boolean().optional().describe("alias: production.action deny (true) or raise"),
      production_namespaces: strings.optional().describe("alias: production.namespaces"),
      allow_critical: z
        .boolean()
        .optional()
        .describe("alias: decisions.critical allow (an override) or deny"),
      require_approval: z.boolean().optional().describe("alias: decisions.medium/high ask (true) or allow"),
    })
    .optional()
    .describe("alias section (other agent-safety systems' keys)"),
  execution: z
    .strictObject({
      auto_approve_low_risk: z.boolean().optional().describe("alias: decisions.low allow (true) or ask"),
      require_dry_run: z.boolean().optional().describe("alias: extends devops (true)"),
    })
    .optional()
    .describe("alias section (other agent-safety systems' keys)"),
};

const profile = z.strictObject({
  ...body,
  description: z.string().optional(),
  users: strings.optional(),
  agents: strings.optional(),
});

export const policySchema = z.strictObject({
  $schema: z.string().optional(),
  version: z.literal(1).optional(),
  extends: oneOrMany.optional(),
  trust_repo_policy: z.boolean().optional(),
  daemon: z
    .enum(["off", "auto", "required"])
    .optional()
    .describe("warden daemon: off (default), auto (clients start it), required (hooks block without it)"),
  ...body,
  profiles: z.record(z.string().min(1), profile).optional(),
  approvers: z
    .record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, "a simple name"), z.string().min(1))
    .optional()
    .describe(
      "approver name → Ed25519 public key (warden keys init prints it); not honoured in a repository policy",
    ),
  approval: z
    .strictObject({
      two_person: z.array(risk).optional().describe("risks that need two distinct approvers"),
      ttl: z
        .union([z.string().min(1), z.number().positive()])
        .optional()
        .describe("e.g. 15m"),
      max_ttl: z.union([z.string().min(1), z.number().positive()]).optional(),
    })
    .optional(),
  must_fail: strings.optional(),
  must_succeed: strings.optional(),
});

// The hand-written document type and the schema must describe the same thing.
type Parsed = zod.infer<typeof policySchema>;
const _sameShape: (p: Parsed) => PolicyDocument = (p) => p;
void _sameShape;

export type ZodIssue = zod.core.$ZodIssue;

export function jsonSchema(): Record<string, unknown> {
  return {
    ...(z.toJSONSchema(policySchema, { io: "input" }) as Record<string, unknown>),
    $id: "https://warden.dev/schema/policy.json",
    title: "Warden policy",
  };
}

/** Field names valid at an object path of the document (for "did you mean" hints). */
export function knownKeys(path: readonly PropertyKey[]): string[] {
  return knownKeysIn(policySchema, path);
}
