// What an invocation is aimed at: kube namespace/context, cloud profile/project, remote host, database
// URL. A small extraction of its own (the rule packs' extractors can replace it once they export theirs).
import type { Invocation } from "../types.ts";
import { normalizeArgs } from "./match.ts";

export interface Targets {
  namespaces: string[];
  contexts: string[];
  awsProfiles: string[];
  gcpProjects: string[];
  hosts: string[];
  databases: string[];
}

const KUBE = new Set(["kubectl", "oc", "helm", "kubens", "kubectx", "k9s", "kustomize", "stern", "argocd"]);
const SSH_LIKE = new Set(["ssh", "scp", "sftp", "rsync", "mosh"]);
const DB = new Set([
  "psql",
  "pg_dump",
  "pg_restore",
  "pg_dumpall",
  "mysql",
  "mysqldump",
  "mariadb",
  "mongo",
  "mongosh",
  "mongodump",
  "redis-cli",
  "clickhouse-client",
  "sqlcmd",
  "cqlsh",
]);
const URL_RE = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/\s]*@)?([^/:?\s]+)/i;

function values(flags: { canonical: string; value?: string }[], ...names: string[]): string[] {
  const out: string[] = [];
  for (const f of flags) if (f.value !== undefined && names.includes(f.canonical)) out.push(f.value);
  return out;
}

/** Targets of one invocation; `env` is the request's environment (AWS_PROFILE set for the whole session counts). */
export function invocationTargets(inv: Invocation, env: Readonly<Record<string, string>>): Targets {
  const t: Targets = {
    namespaces: [],
    contexts: [],
    awsProfiles: [],
    gcpProjects: [],
    hosts: [],
    databases: [],
  };
  const program = inv.program;
  if (program === null) return t;
  const assigned = (name: string): string | undefined => {
    for (const a of inv.assignments) if (a.name === name && !a.value.dynamic) return a.value.value;
    return env[name];
  };
  let normalized: ReturnType<typeof normalizeArgs> | undefined;
  const n = {
    get flags() {
      normalized ??= normalizeArgs(
        program,
        inv.argv.slice(1).map((w) => w.value),
      );
      return normalized.flags;
    },
    get positionals() {
      normalized ??= normalizeArgs(
        program,
        inv.argv.slice(1).map((w) => w.value),
      );
      return normalized.positionals;
    },
  };
  if (KUBE.has(program)) {
    t.namespaces.push(...values(n.flags, "--namespace", "-n"));
    t.contexts.push(...values(n.flags, "--context", "--kube-context"));
    if (program === "kubens" || program === "kubectx")
      t[program === "kubens" ? "namespaces" : "contexts"].push(...n.positionals.slice(0, 1));
    if (
      program === "kubectl" &&
      n.positionals[0] === "config" &&
      n.positionals[1] === "use-context" &&
      n.positionals[2]
    )
      t.contexts.push(n.positionals[2]);
    const ns = assigned("KUBECTL_NAMESPACE");
    if (ns) t.namespaces.push(ns);
  }
  if (
    program === "aws" ||
    program === "sam" ||
    program === "cdk" ||
    program === "terraform" ||
    program === "pulumi" ||
    program === "eksctl"
  ) {
    t.awsProfiles.push(...values(n.flags, "--profile"));
    const p = assigned("AWS_PROFILE") ?? assigned("AWS_DEFAULT_PROFILE");
    if (p) t.awsProfiles.push(p);
  }
  if (program === "gcloud" || program === "gsutil" || program === "bq") {
    t.gcpProjects.push(...values(n.flags, "--project"));
    const p = assigned("CLOUDSDK_CORE_PROJECT") ?? assigned("GOOGLE_CLOUD_PROJECT");
    if (p) t.gcpProjects.push(p);
  }
  if (SSH_LIKE.has(program)) {
    for (const p of n.positionals) {
      const m = /^(?:[^@\s]+@)?([A-Za-z0-9][A-Za-z0-9.-]*)(?::|$)/.exec(p);
      if (m && (program === "ssh" || program === "mosh" ? true : p.includes(":"))) {
        t.hosts.push(m[1]!);
        if (program === "ssh" || program === "mosh") break;
      }
    }
  }
  if (DB.has(program)) t.hosts.push(...values(n.flags, "--host", "-h"));
  for (let i = 1; i < inv.argv.length; i++) {
    const w = inv.argv[i]!;
    if (!w.value.includes("://")) continue;
    const v =
      w.value.includes("=") && w.value.startsWith("-") ? w.value.slice(w.value.indexOf("=") + 1) : w.value;
    const m = URL_RE.exec(v);
    if (!m) continue;
    if (
      /^(postgres(ql)?|mysql|mariadb|mongodb(\+srv)?|redis|rediss|clickhouse|sqlserver|jdbc:.*)$/i.test(
        v.slice(0, v.indexOf(":")),
      )
    )
      t.databases.push(v);
    t.hosts.push(m[1]!);
  }
  if (inv.assignments.length > 0)
    for (const name of ["DATABASE_URL", "PGHOST"]) {
      const v = inv.assignments.find((a) => a.name === name)?.value;
      if (v && !v.dynamic) {
        if (name === "PGHOST") t.hosts.push(v.value);
        else t.databases.push(v.value);
      }
    }
  return t;
}
