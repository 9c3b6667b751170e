// Secrets: any program that names a credential file (as an argument, `--opt=path`, `@path`, or `< path`)
// may read it into the agent's context, and environment dumps print every token the session holds.
import type { Finding, Invocation, Risk, RuleContext, Word } from "../types.ts";
import { expandBraces, globExample } from "./globs.ts";
import type { RulePack } from "./pack.ts";
import { expandWord, isInside, normalize, resolveTarget } from "./paths.ts";
import { finding } from "./util.ts";

export interface SecretMatch {
  risk: Risk;
  /** What the file is, in plain words. */
  what: string;
}

const ENV_TEMPLATES = /\.(example|sample|template|dist|defaults?|schema|tpl|in)$/i;

/** Basenames that hold credentials wherever they are. */
const SECRET_NAMES = new Map<string, string>([
  [".netrc", "login credentials (.netrc)"],
  ["_netrc", "login credentials (_netrc)"],
  [".pgpass", "database passwords (.pgpass)"],
  [".git-credentials", "git credentials"],
  [".npmrc", "npm credentials (.npmrc)"],
  [".pypirc", "PyPI credentials (.pypirc)"],
  [".vault-token", "a Vault token"],
  ["credentials.json", "a credentials file"],
  ["secrets.yml", "a secrets file"],
  ["secrets.yaml", "a secrets file"],
  ["secrets.json", "a secrets file"],
  [".envrc", "an environment file (.envrc)"],
]);

/** Home-relative directories or files that hold credentials. */
const HOME_SECRETS: readonly [string, string][] = [
  [".ssh", "your SSH keys"],
  [".aws", "your AWS credentials"],
  [".config/gcloud", "your Google Cloud credentials"],
  [".azure", "your Azure credentials"],
  [".kube/config", "your Kubernetes credentials"],
  [".docker/config.json", "your Docker registry credentials"],
  [".gnupg", "your GPG keys"],
  [".password-store", "your password store"],
  [".config/gh/hosts.yml", "your GitHub CLI token"],
  [".terraform.d/credentials.tfrc.json", "your Terraform Cloud token"],
];

/**
 * Is `path` (absolute, normalised) a credential file? The same answer for `cat .env` and an agent's
 * `Read(.env)`: the policy stage may call this for file operations.
 */
export function secretPath(path: string, ctx: Pick<RuleContext, "home">): SecretMatch | null {
  if (/^\/proc\/[^/]+\/environ$/.test(path))
    return { risk: "high", what: "a process's environment (may hold tokens)" };
  if (/^\/proc\/[^/]+\/(mem|task\/[^/]+\/mem)$/.test(path))
    return { risk: "high", what: "a running process's memory (tokens, keys, anything it holds)" };
  if (path === "/proc/kcore" || path === "/dev/mem" || path === "/dev/kmem")
    return { risk: "high", what: "the machine's memory" };
  if (path === "/etc/shadow" || path === "/etc/gshadow" || path === "/etc/master.passwd")
    return { risk: "high", what: "the system password hashes" };
  const base = path.slice(path.lastIndexOf("/") + 1);
  if (isInside(path, ctx.home)) {
    const rel = path.slice(ctx.home.length + 1);
    for (const [dir, what] of HOME_SECRETS) {
      if (rel !== dir && !rel.startsWith(`${dir}/`)) continue;
      if (dir === ".ssh") {
        if (base.endsWith(".pub") || base === "known_hosts" || base === "known_hosts.old") return null;
        if (base === "config") return { risk: "medium", what: "your SSH client configuration" };
      }
      return { risk: "high", what };
    }
  }
  if (base.endsWith(".pub")) return null;
  if (
    base === ".env" ||
    (base.startsWith(".env.") && !ENV_TEMPLATES.test(base)) ||
    (base.endsWith(".env") && base.length > 4)
  )
    return ENV_TEMPLATES.test(base)
      ? null
      : { risk: "high", what: `an environment file with secrets (${base})` };
  const named = SECRET_NAMES.get(base);
  if (named) return { risk: "high", what: named };
  if (/^id_(rsa|dsa|ecdsa|ed25519)(_sk)?$/.test(base) || /^id_(rsa|dsa|ecdsa|ed25519)(_sk)?[._-]/.test(base))
    return { risk: "high", what: `a private SSH key (${base})` };
  if (/\.(pem|key|p12|pfx|jks|keystore)$/i.test(base) && !ENV_TEMPLATES.test(base))
    return { risk: "high", what: `a key or certificate file (${base})` };
  if (/\.tfstate(\.backup)?$/.test(base))
    return { risk: "high", what: "Terraform state (holds secrets in plain text)" };
  return null;
}

/** Names that tell a glob aims at credentials: `.env*`, `id_*`, `~/.aws/cred*`, `x/.env` for a directory glob. */
const TELLING_NAMES: readonly string[] = [
  ".env",
  ".env.local",
  ".env.production",
  ".env.development",
  ".env.prod",
  "x.env",
  "id_rsa",
  "id_ed25519",
  "id_ecdsa",
  "id_dsa",
  "x.pem",
  "x.key",
  "x.p12",
  "x.pfx",
  "x.jks",
  "x.keystore",
  "terraform.tfstate",
  "terraform.tfstate.backup",
  "credentials",
  "config",
  "config.json",
  "hosts.yml",
  "credentials.tfrc.json",
  ".ssh",
  ".aws",
  ".azure",
  ".kube",
  ".docker",
  ".gnupg",
  ".password-store",
  ".config",
  ".terraform.d",
  "gcloud",
  "gh",
  "environ",
  "mem",
  "self",
  "1",
  ...SECRET_NAMES.keys(),
];

/**
 * The secret a glob the shell expands at run time can name (`cat .env*`, `head ~/.ssh/id_*`), with an
 * example path. A glob that matches any file (`cat *`) is not aimed at secrets and gives null, unless every
 * file where it points is one (`cat ~/.ssh/*`).
 */
export function globSecret(
  pattern: string,
  ctx: Pick<RuleContext, "home">,
): (SecretMatch & { example: string }) | null {
  let found: SecretMatch | null = null;
  const example = globExample(pattern, TELLING_NAMES, (p) => {
    found = secretPath(p, ctx);
    return found !== null;
  });
  return example === null || found === null ? null : { ...(found as SecretMatch), example };
}

/**
 * Paths a word only known at run time may stand for, as far as its literal parts tell: `"$DIR"/.env`,
 * `/proc/$PID/environ`, `.env{,.local}`. Expansions become a plain name; the result may still be a glob.
 */
function dynamicCandidates(word: Word, ctx: RuleContext): string[] {
  const out: string[] = [];
  for (const alt of expandBraces(word.text, 16)) {
    let t = alt
      .replace(
        /\$\((?:[^()]|\([^()]*\))*\)|`[^`]*`|\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|\$[0-9@*#?$!-]/g,
        "x",
      )
      .replace(/\\(.)/g, "$1")
      .replace(/["']/g, "");
    if (t === "" || t === "x") continue;
    if (t === "~" || t.startsWith("~/")) t = ctx.home + t.slice(1);
    out.push(normalize(t, ctx.cwd));
  }
  return out;
}

/** Boolean form of `secretPath` for callers that only need yes/no. */
export function isSecretPath(path: string, ctx: Pick<RuleContext, "home" | "cwd">): boolean {
  return secretPath(normalize(path, ctx.cwd), ctx) !== null;
}

/** Programs that mention paths without reading their contents. */
const NO_READ = new Set([
  "echo",
  "printf",
  "ls",
  "stat",
  "test",
  "[",
  "[[",
  "basename",
  "dirname",
  "realpath",
  "readlink",
  "touch",
  "mkdir",
  "rmdir",
  "rm",
  "shred",
  "chmod",
  "chown",
  "chgrp",
  "which",
  "type",
  "cd",
  "pushd",
  "find",
  "fd",
  "du",
  "file",
  "wc",
  "source",
  ".",
  "ssh-add",
  "ssh-keygen",
  "ssh-copy-id",
  "export",
  "unset",
  "trash",
  "mv",
  "ln",
  "dotenv",
]);

/** Options whose value is a key or env file the tool *uses* (TLS client certs, env files), not prints. */
const USE_OPTIONS = new Set([
  "--env-file",
  "--cert",
  "--key",
  "--cacert",
  "--private-key",
  "--keyfile",
  "--key-file",
  "--certfile",
  "--cert-file",
  "--tlscert",
  "--tlskey",
  "--tlscacert",
  "--identity-file",
  "--ssh-key",
]);

const IDENTITY_TOOLS = new Set(["ssh", "scp", "sftp", "rsync", "git", "sshfs", "mosh", "autossh"]);
const PATTERN_FIRST = new Set(["grep", "egrep", "fgrep", "rg", "ag", "ack", "zgrep", "git-grep"]);

interface Mention {
  word: Word;
  value: string;
}

/** Words of an invocation that may be paths it reads. */
function mentionedPaths(inv: Invocation): Mention[] {
  const program = inv.program ?? "";
  const out: Mention[] = [];
  const argv = inv.argv.slice(1);
  const patternFirst =
    PATTERN_FIRST.has(program) &&
    !argv.some((w) => /^(-e|-f|--regexp|--file)(=|$)/.test(w.value) || /^-[a-zA-Z]*e$/.test(w.value));
  let skippedPattern = false;
  let dashDash = false;
  const cpLike = program === "cp" || program === "install" || program === "rsync" || program === "scp";
  const lastPositional = cpLike ? argv.findLastIndex((w) => !w.value.startsWith("-")) : -1;
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i]!;
    const v = w.value;
    if (!dashDash && v === "--") {
      dashDash = true;
      continue;
    }
    if (!dashDash && v.startsWith("-")) {
      const eq = v.indexOf("=");
      const name = eq === -1 ? v : v.slice(0, eq);
      if (USE_OPTIONS.has(name) || (IDENTITY_TOOLS.has(program) && (name === "-i" || name === "-F"))) {
        if (eq === -1) i++;
        continue;
      }
      if (eq !== -1) out.push({ word: w, value: v.slice(eq + 1).replace(/^@/, "") });
      continue;
    }
    // dd if=FILE (no dash): the input file.
    if (program === "dd" && /^if=/.test(v)) {
      out.push({
        word: { value: v.slice(3), text: w.text.replace(/^if=/, ""), dynamic: w.dynamic },
        value: v.slice(3),
      });
      continue;
    }
    if (patternFirst && !skippedPattern) {
      skippedPattern = true;
      continue;
    }
    if (cpLike && i === lastPositional) continue; // the destination is written, not read
    out.push({ word: w, value: v });
    // curl -d @file, -F name=@file, httpie field@file
    const at = v.indexOf("@");
    if (at !== -1 && at < v.length - 1) out.push({ word: w, value: v.slice(at + 1).replace(/;.*$/, "") });
  }
  return out;
}

type Named = { path: string; pattern?: string };

/** The path a mentioned word names; for a glob or a run-time word, the secret path it can stand for. */
function mentionTarget(m: Mention, ctx: RuleContext): Named | null {
  const w: Word =
    m.word.value === m.value ? m.word : { value: m.value, text: m.value, dynamic: m.word.dynamic };
  return wordTarget(w, ctx);
}

function wordTarget(w: Word, ctx: RuleContext): Named | null {
  const t = resolveTarget(w, ctx);
  if (t.kind === "path" && !t.glob) return { path: t.path };
  const patterns: string[] = [];
  if (t.kind === "path") patterns.push(normalize(expandWord(w, ctx).value, ctx.cwd));
  else if (w.text !== "") patterns.push(...dynamicCandidates(w, ctx));
  for (const p of patterns) {
    if (/[*?[]/.test(p)) {
      const g = globSecret(p, ctx);
      if (g !== null) return { path: g.example, pattern: p };
    } else if (secretPath(p, ctx) !== null) return { path: p, pattern: w.text };
  }
  return null;
}

const SECRET_VAR = /(SECRET|TOKEN|PASSW(OR)?D|PASSPHRASE|API_?KEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIAL|AUTH)/i;

function envDump(inv: Invocation, index: number): Finding[] {
  const program = inv.program;
  // Arguments xargs appends from its input (an empty dynamic word) may be none at all: judge without them.
  const a = inv.argv
    .slice(1)
    .filter((w) => !(w.dynamic && w.text === ""))
    .map((w) => w.value);
  const dump = (what: string) =>
    finding(
      "high",
      "secrets.env-dump",
      `${what} prints every environment variable, including tokens and passwords`,
      index,
    );
  switch (program) {
    case "printenv": {
      const names = a.filter((x) => !x.startsWith("-"));
      if (names.length === 0) return [dump("`printenv`")];
      const secret = names.find((n) => SECRET_VAR.test(n));
      return secret
        ? [finding("high", "secrets.env-var", `prints the secret environment variable ${secret}`, index)]
        : [];
    }
    case "env": {
      // With a command, env is a wrapper and the command is classified on its own.
      const rest = a.filter(
        (x, i) =>
          !x.startsWith("-") &&
          !x.includes("=") &&
          !(i > 0 && /^(-u|--unset|-C|--chdir|-S)$/.test(a[i - 1]!)),
      );
      return rest.length === 0 ? [dump("`env`")] : [];
    }
    case "set":
      return a.length === 0 ? [dump("`set`")] : [];
    case "export":
    case "declare":
    case "typeset": {
      const names = a.filter((x) => !x.startsWith("-"));
      if (
        names.length === 0 &&
        (program === "export" || a.some((x) => /^-[a-zA-Z]*[xp]/.test(x)) || a.length === 0)
      )
        return [dump(`\`${program}${a.length ? ` ${a.join(" ")}` : ""}\``)];
      return [];
    }
    case "echo":
    case "printf": {
      for (const w of inv.argv.slice(1)) {
        if (!w.dynamic) continue;
        const m = /\$\{?([A-Za-z_][A-Za-z0-9_]*)/g;
        for (let hit = m.exec(w.text); hit; hit = m.exec(w.text)) {
          if (SECRET_VAR.test(hit[1]!))
            return [
              finding("high", "secrets.env-var", `prints the secret environment variable ${hit[1]}`, index),
            ];
        }
      }
      return [];
    }
    default:
      return [];
  }
}

export const secretsPack: RulePack = {
  name: "secrets",
  programs: "*",
  classify(inv, ctx, index) {
    const findings = envDump(inv, index);
    const seen = new Set<string>();
    const report = (named: Named | null, how: string) => {
      if (named === null) return;
      const key = named.pattern ?? named.path;
      if (seen.has(key)) return;
      const s = secretPath(named.path, ctx);
      if (!s) return;
      seen.add(key);
      const where =
        named.pattern === undefined
          ? named.path
          : `\`${named.pattern}\` can name ${named.path}, known only at run time`;
      findings.push(
        finding(s.risk, "secrets.read", `${how} ${s.what} (${where})`, index, {
          paths: [named.pattern ?? named.path],
        }),
      );
    };
    if (!NO_READ.has(inv.program ?? "")) {
      for (const m of mentionedPaths(inv)) report(mentionTarget(m, ctx), "reads");
    }
    for (const r of inv.redirects) {
      if (r.op !== "<" && !/^\d+<$/.test(r.op)) continue;
      report(wordTarget(r.target, ctx), "feeds the command");
    }
    return findings;
  },
};
