// Secret redaction for everything the audit log (and exec output heads, hooks) writes down.
//
// The rules follow the public patterns of gitleaks and GitHub secret scanning for the providers the issue
// names, plus generic assignments and a high-entropy fallback. A maintained JS detector (secretlint) was
// considered: it is asynchronous, file-oriented and pulls a large dependency tree, while this runs inline on
// every append; bench/audit.bench.ts measures its cost. Replacements keep the kind so an auditor sees *what*
// was hidden: `[REDACTED:github-token]`.

export interface Redaction {
  text: string;
  /** How many secrets were replaced. */
  count: number;
}

interface Rule {
  kind: string;
  re: RegExp;
  /** Index of the capture group holding the secret; 0 = the whole match. Groups before it are kept. */
  group: number;
}

const rules: Rule[] = [
  {
    kind: "private-key",
    re: /-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g,
    group: 0,
  },
  { kind: "anthropic-key", re: /\bsk-ant-[A-Za-z0-9_-]{16,}/g, group: 0 },
  { kind: "openai-key", re: /\bsk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,}/g, group: 0 },
  { kind: "github-token", re: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})/g, group: 0 },
  { kind: "slack-token", re: /\bxox[abposre]-[A-Za-z0-9-]{10,}/g, group: 0 },
  { kind: "slack-webhook", re: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]{20,}/g, group: 0 },
  { kind: "stripe-key", re: /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}/g, group: 0 },
  { kind: "google-api-key", re: /\bAIza[0-9A-Za-z_-]{35}/g, group: 0 },
  { kind: "aws-access-key-id", re: /\b(?:AKIA|ASIA|ABIA|ACCA|AROA|AIDA)[0-9A-Z]{16}\b/g, group: 0 },
  {
    kind: "aws-secret-key",
    re: /((?:aws_?secret_?access_?key|secret_?access_?key|aws_?secret)["']?\s*[:=]\s*["']?)([A-Za-z0-9/+=]{40})/gi,
    group: 2,
  },
  { kind: "jwt", re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, group: 0 },
  { kind: "bearer-token", re: /(\b(?:Bearer|Basic|token)\s+)([A-Za-z0-9._~+/-]{8,}=*)/g, group: 2 },
  { kind: "url-password", re: /(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@'"]+:)([^@\s/'"]+)(?=@)/gi, group: 2 },
  {
    // --password x, --password=x, --db-token 'x'
    kind: "password-flag",
    re: /(--?[A-Za-z0-9_-]{0,40}(?:password|passwd|secret|token|api-?key|apikey|auth-key|credentials?)[A-Za-z0-9_-]{0,40}(?:=|\s+))('[^']*'|"[^"]*"|[^\s'"]+)/gi,
    group: 2,
  },
  {
    // PASSWORD=x, api_key: "x", export GITHUB_TOKEN=x, "secret": "x"
    kind: "secret-assignment",
    re: /(\b[A-Za-z0-9_.-]{0,40}(?:password|passwd|secret|token|api_?key|apikey|access_?key|private_?key|credentials?|auth_?token|authorization)[A-Za-z0-9_.-]{0,40}["']?\s*[:=]\s*)('[^']*'|"[^"]*"|[^\s'",;&|)]+)/gi,
    group: 2,
  },
  // mysql -p'x' / -p"x" anywhere, and -pSECRET after a MySQL client.
  { kind: "password-flag", re: /((?:^|\s)-p)('[^']+'|"[^"]+")/g, group: 2 },
  {
    kind: "password-flag",
    re: /(\b(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump)\b[^\n|;&]{0,200}?\s-p)([^\s'"]\S*)/g,
    group: 2,
  },
];

const PLACEHOLDER = /^\[REDACTED:[a-z-]+\]$/;
const ENTROPY_CANDIDATE = /[A-Za-z0-9+_=-]{32,}/g;

function shannonEntropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Random-looking tokens: long, mixed upper/lower/digit, high per-character entropy. Hex digests are spared. */
function looksRandom(token: string): boolean {
  if (!/[A-Z]/.test(token) || !/[a-z]/.test(token) || !/[0-9]/.test(token)) return false;
  return shannonEntropy(token) >= 4.2;
}

// A linear-time pass over literal anchors that every rule's match contains: most text has no secret at all.
const ANY_RULE =
  /sk-|sk_|rk_|pk_|gh[pousr]_|github_pat_|xox|hooks\.slack|AIza|A[KS]IA|AB?IA|ACCA|AROA|AIDA|secret|eyJ|bearer|basic|token|:\/\/|pass|api_?-?key|access_?key|private|credential|auth|-p['"]|mysql|mariadb|BEGIN/i;
const ANY_CANDIDATE = /[A-Za-z0-9+_=-]{32}/;

/** Replaces secrets in `text` with `[REDACTED:kind]` and counts them. */
export function redact(text: string): Redaction {
  if (text.length < 8) return { text, count: 0 };
  const anyRule = ANY_RULE.test(text);
  if (!anyRule && !ANY_CANDIDATE.test(text)) return { text, count: 0 };
  let count = 0;
  let out = text;
  for (const rule of anyRule ? rules : []) {
    rule.re.lastIndex = 0;
    if (!rule.re.test(out)) continue;
    rule.re.lastIndex = 0;
    out = out.replace(rule.re, (...m: unknown[]) => {
      const groups = m.slice(0, -2) as (string | undefined)[];
      const secret = groups[rule.group] ?? "";
      const bare = secret.replace(/^['"]|['"]$/g, "");
      if (bare === "" || PLACEHOLDER.test(bare) || bare.startsWith("[REDACTED:")) return groups[0]!;
      count++;
      if (rule.group === 0) return `[REDACTED:${rule.kind}]`;
      return `${groups.slice(1, rule.group).join("")}[REDACTED:${rule.kind}]`;
    });
  }
  out = out.replace(ENTROPY_CANDIDATE, (token) => {
    if (!looksRandom(token)) return token;
    count++;
    return "[REDACTED:high-entropy]";
  });
  return { text: out, count };
}

const SECRET_NAME =
  /pass(word|wd)?|secret|token|api_?key|apikey|access_?key|private_?key|credential|auth|session|cookie/i;

/** Environment values: secret-looking names are blanked whole, other values go through `redact`. */
export function redactEnv(env: Record<string, string>): { env: Record<string, string>; count: number } {
  let count = 0;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (SECRET_NAME.test(name) && value !== "") {
      out[name] = "[REDACTED:env]";
      count++;
    } else {
      const r = redact(value);
      out[name] = r.text;
      count += r.count;
    }
  }
  return { env: out, count };
}
