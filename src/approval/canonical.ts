// The canonical form of a request: exactly the facts an approval is about, serialised one way only, so
// its SHA-256 names "this command, here, as this user, against this target" and nothing broader.
import { createHash } from "node:crypto";
import type { Request } from "../types.ts";

/**
 * Environment variables that change what a command does to the outside world (which account, cluster,
 * database). A human approving `terraform apply` approved it against one AWS profile, not any.
 */
export const RELEVANT_ENV: readonly string[] = [
  "AWS_PROFILE",
  "AWS_DEFAULT_PROFILE",
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "AWS_ACCOUNT_ID",
  "AWS_ROLE_ARN",
  "KUBECONFIG",
  "KUBECONTEXT",
  "KUBE_CONTEXT",
  "KUBECTL_CONTEXT",
  "HELM_KUBECONTEXT",
  "HELM_NAMESPACE",
  "CLOUDSDK_CORE_PROJECT",
  "CLOUDSDK_ACTIVE_CONFIG_NAME",
  "GOOGLE_CLOUD_PROJECT",
  "AZURE_SUBSCRIPTION_ID",
  "ARM_SUBSCRIPTION_ID",
  "DOCKER_HOST",
  "DOCKER_CONTEXT",
  "TF_WORKSPACE",
  "PGHOST",
  "PGPORT",
  "PGDATABASE",
  "PGUSER",
  "MYSQL_HOST",
  "VAULT_ADDR",
  "VAULT_NAMESPACE",
  "NOMAD_ADDR",
  "ANSIBLE_INVENTORY",
];

/** Relevant variables whose values are credentials: bound by digest so the canonical form holds no secret. */
export const RELEVANT_SECRET_ENV: readonly string[] = ["DATABASE_URL", "REDIS_URL", "MONGODB_URI"];

export interface CanonicalRequest {
  v: 1;
  kind: "command" | "file";
  /** The command string as the agent sent it (command requests). */
  command?: string;
  /** The exact argv `warden exec` will run, when the entry point has one. */
  argv?: string[];
  op?: string;
  path?: string;
  cwd: string;
  user: string | null;
  agent: string | null;
  env: Record<string, string>;
}

/** A request plus, for `warden exec`, the argv it will run (never a re-assembled string). */
export type ApprovalSubjectRequest = Request & { argv?: string[] };

export function canonicalRequest(request: ApprovalSubjectRequest): CanonicalRequest {
  const env = request.env ?? {};
  const relevant: Record<string, string> = {};
  for (const name of RELEVANT_ENV) {
    const value = env[name];
    if (value !== undefined && value !== "") relevant[name] = value;
  }
  for (const name of RELEVANT_SECRET_ENV) {
    const value = env[name];
    if (value !== undefined && value !== "")
      relevant[name] = `sha256:${createHash("sha256").update(value).digest("hex")}`;
  }
  const base = {
    v: 1 as const,
    cwd: request.cwd,
    user: request.user ?? env.USER ?? null,
    agent: request.agent?.name ?? null,
    env: relevant,
  };
  if (request.kind === "file") return { ...base, kind: "file", op: request.op, path: request.path };
  return {
    ...base,
    kind: "command",
    command: request.command,
    ...(request.argv ? { argv: [...request.argv] } : {}),
  };
}

/** JSON with object keys sorted and no whitespace: one byte string per value. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(sortKeys);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value as object).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = sortKeys(v);
  }
  return out;
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function requestHash(request: ApprovalSubjectRequest): string {
  return sha256Hex(canonicalJson(canonicalRequest(request)));
}
