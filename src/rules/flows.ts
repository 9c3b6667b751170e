// Exfiltration in one command: a secret source (a credential file read, an environment dump, a CLI that
// prints secret values) whose data reaches a network client of the same request: through a pipe
// (`env | curl -d @- …`), a substitution (`curl -d "$(cat .env)" …`), a variable (`X=$(env); curl -d "$X"`),
// or a file written earlier (`cat .env > /tmp/x; curl -T /tmp/x …`). Each piece alone asks; together they
// send the secret away, which is refused (critical). Uploading a secret file directly (`curl -F f=@.env`,
// `scp ~/.ssh/id_rsa host:`) is the network pack's `network.upload-secret`.
import { analysisFlows, type Flows } from "../shell/index.ts";
import type { Analysis, Finding, Invocation, RuleContext, Word } from "../types.ts";
import { resolveTarget } from "./paths.ts";
import { isOutputRedirect } from "./redirect.ts";
import { finding } from "./util.ts";

/** Findings (at least high) that mean the invocation's output carries secrets. */
const SOURCE_RULES = new Set([
  "secrets.read",
  "secrets.env-dump",
  "secrets.env-var",
  "cloud.secret-read",
  "cloud.credential-read",
  "kubernetes.secret-read",
  "kubernetes.config-raw",
  "vaults.secret-read",
  "vaults.credential-create",
  "network.metadata-service",
  "processes.attach",
]);

/** Clients that send what they are given to another machine. */
const NETWORK = new Set([
  "curl",
  "wget",
  "http",
  "https",
  "xh",
  "xhs",
  "nc",
  "ncat",
  "netcat",
  "socat",
  "telnet",
  "ssh",
  "scp",
  "sftp",
  "rsync",
  "ftp",
  "lftp",
  "tftp",
  "dig",
  "nslookup",
  "host",
  "drill",
  "ping",
  "ping6",
  "traceroute",
  "whois",
  "mail",
  "mailx",
  "sendmail",
  "mutt",
  "msmtp",
  "openssl",
  "aws",
  "gsutil",
]);

/** Clients that send their standard input on when it is a pipe (ssh: to the remote command). */
const SENDS_STDIN = new Set([
  "nc",
  "ncat",
  "netcat",
  "socat",
  "telnet",
  "ssh",
  "sftp",
  "ftp",
  "lftp",
  "tftp",
  "mail",
  "mailx",
  "sendmail",
  "mutt",
  "msmtp",
]);

const STDIN_FILE = /^(-|\/dev\/stdin|\/dev\/fd\/0|\/proc\/self\/fd\/0)$/;

/** `--opt=v`, `--opt v`, `-Xv`, `-X v` values of the named curl/wget options. */
function optionValues(words: readonly string[], longs: readonly string[], shorts: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const a = words[i]!;
    if (a === "--") break;
    const eq = a.indexOf("=");
    if (a.startsWith("--")) {
      const name = eq === -1 ? a : a.slice(0, eq);
      if (!longs.includes(name)) continue;
      if (eq !== -1) out.push(a.slice(eq + 1));
      else if (i + 1 < words.length) out.push(words[++i]!);
    } else if (a.startsWith("-") && a.length > 1 && shorts.includes(a[1]!)) {
      if (a.length > 2) out.push(a.slice(2));
      else if (i + 1 < words.length) out.push(words[++i]!);
    }
  }
  return out;
}

/** Does this network client send its standard input to the other side? */
export function sendsStdin(inv: Invocation): boolean {
  const program = inv.program ?? "";
  const a = inv.argv.slice(1).map((w) => w.value);
  if (SENDS_STDIN.has(program))
    return !(program === "ssh" && a.some((x) => /^-[a-zA-Z]*n[a-zA-Z]*$/.test(x)));
  switch (program) {
    case "openssl":
      return a[0] === "s_client";
    case "http":
    case "https":
    case "xh":
    case "xhs":
      return !a.includes("--ignore-stdin") && !a.includes("-I");
    case "curl": {
      const data = optionValues(
        a,
        ["--data", "--data-binary", "--data-ascii", "--data-urlencode", "--json", "--form"],
        "dF",
      );
      if (data.some((v) => /(^|=)[@<](-|\/dev\/stdin)(;|$)|@-$/.test(v))) return true;
      return optionValues(a, ["--upload-file", "--config"], "TK").some(
        (v) => STDIN_FILE.test(v) || v === ".",
      );
    }
    case "wget":
      return optionValues(a, ["--post-file", "--body-file", "--input-file"], "i").some((v) =>
        STDIN_FILE.test(v),
      );
    case "aws":
    case "gsutil": {
      const ops = a.filter((x) => !x.startsWith("-") || x === "-");
      return ops.includes("-") && ops.some((x) => /^(s3|gs):\/\//.test(x));
    }
    default:
      return false;
  }
}

/** A network client whose command line (arguments, files it names) reaches another machine. */
export function isNetworkClient(inv: Invocation): boolean {
  const program = inv.program ?? "";
  if (!NETWORK.has(program)) return false;
  const a = inv.argv.slice(1).map((w) => w.value);
  if (program === "openssl") return a[0] === "s_client";
  if (program === "aws" || program === "gsutil")
    return a.some((x) => /^(cp|mv|sync)$/.test(x)) && a.some((x) => /^(s3|gs):\/\//.test(x));
  return true;
}

/** Hosts the client talks to, when it names them as URLs. */
function urlHosts(inv: Invocation): string[] {
  const out: string[] = [];
  for (const w of inv.argv.slice(1)) {
    const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?([^/:?#]+)/i.exec(w.value);
    if (m) out.push(m[1]!.toLowerCase());
  }
  return out;
}

/** A cloud CLI's access token sent to that cloud's own API is how the token is used, not a leak. */
const OWN_CLOUD: Record<string, RegExp> = {
  gcloud: /(^|\.)(googleapis\.com|google\.com|gcr\.io|pkg\.dev|run\.app|cloudfunctions\.net)$/,
  aws: /(^|\.)(amazonaws\.com|amazonaws\.com\.cn|aws\.amazon\.com)$/,
  az: /(^|\.)(azure\.com|azure\.net|windows\.net|microsoft\.com|microsoftonline\.com|azurecr\.io)$/,
};

function ownCloud(source: Invocation, rule: string, sink: Invocation): boolean {
  if (rule !== "cloud.credential-read") return false;
  const re = OWN_CLOUD[source.program ?? ""];
  const hosts = urlHosts(sink);
  return re !== undefined && hosts.length > 0 && hosts.every((h) => re.test(h));
}

/** Paths (lexical, absolute) an invocation's words name, for files carrying secrets. */
function pathOf(w: Word, ctx: RuleContext): string | null {
  const t = resolveTarget(w, ctx);
  return t.kind === "path" && !t.glob ? t.path : null;
}

function literal(value: string, like: Word): Word {
  return { value, text: like.dynamic ? like.text : value, dynamic: like.dynamic };
}

/** Files an invocation may read: its operands, `@file`/`name=@file`/`--opt=file` values, `< file`. */
function filesRead(inv: Invocation, ctx: RuleContext): string[] {
  const out: string[] = [];
  const add = (w: Word) => {
    const p = pathOf(w, ctx);
    if (p !== null) out.push(p);
  };
  for (const w of inv.argv.slice(1)) {
    const v = w.value;
    if (v === "" || v === "-") continue;
    const at = /^(?:[^=@<]*=)?[@<](.+?)(;.*)?$/.exec(v);
    if (at) add(literal(at[1]!, w));
    else if (/^-{1,2}[A-Za-z][\w-]*=/.test(v)) add(literal(v.slice(v.indexOf("=") + 1), w));
    else if (/^[a-z]+=/.test(v)) add(literal(v.slice(v.indexOf("=") + 1), w));
    else if (!v.startsWith("-")) add(w);
  }
  for (const r of inv.redirects) if (/^\d*<>?$/.test(r.op)) add(r.target);
  return out;
}

/** Files an invocation writes its output (or copies of its inputs) to. */
function filesWritten(inv: Invocation, ctx: RuleContext): string[] {
  const out: string[] = [];
  const add = (w: Word | undefined) => {
    if (w === undefined) return;
    const p = pathOf(w, ctx);
    if (p !== null && !p.startsWith("/dev/")) out.push(p);
  };
  for (const r of inv.redirects) if (isOutputRedirect(r) && !/^2>/.test(r.op)) add(r.target);
  const words = inv.argv.slice(1);
  const positional = words.filter((w) => !w.value.startsWith("-"));
  switch (inv.program) {
    case "tee":
      for (const w of positional) add(w);
      break;
    case "cp":
    case "mv":
    case "install":
    case "rsync":
      add(positional.at(-1));
      break;
    case "zip":
      add(positional[0]);
      break;
    case "tar": {
      const i = words.findIndex((w) => /^-?[A-Za-z]*f$/.test(w.value) || w.value === "--file");
      if (i !== -1) add(words[i + 1]);
      const eq = words.find((w) => w.value.startsWith("--file="));
      if (eq) add(literal(eq.value.slice(7), eq));
      break;
    }
    case "dd":
      for (const w of words) if (w.value.startsWith("of=")) add(literal(w.value.slice(3), w));
      break;
  }
  for (let i = 0; i < words.length - 1; i++)
    if (/^(-o|--output|-out|--out|--output-file)$/.test(words[i]!.value)) add(words[i + 1]);
  return out;
}

function mentions(inv: Invocation, name: string): boolean {
  const re = new RegExp(`\\$\\{?${name}(?![A-Za-z0-9_])`);
  return (
    inv.argv.some((w) => w.dynamic && re.test(w.text)) ||
    inv.redirects.some((r) => r.target.dynamic && re.test(r.target.text)) ||
    inv.assignments.some((a) => a.value.dynamic && re.test(a.value.text))
  );
}

function quote(analysis: Analysis, inv: Invocation): string {
  const text =
    analysis.source.slice(inv.span[0], inv.span[1]).trim() || inv.argv.map((w) => w.text).join(" ");
  return `\`${text.length > 60 ? `${text.slice(0, 57)}...` : text}\``;
}

type Labels = Set<number>;

function addAll(to: Labels, from: Labels | undefined): boolean {
  if (from === undefined) return false;
  let changed = false;
  for (const x of from)
    if (!to.has(x)) {
      to.add(x);
      changed = true;
    }
  return changed;
}

/** Exfiltration findings: secrets read by one invocation reaching a network client of the same request. */
export function classifyFlows(analysis: Analysis, ctx: RuleContext, findings: readonly Finding[]): Finding[] {
  const flows: Flows | undefined = analysisFlows(analysis);
  if (flows === undefined) return [];
  const invs = analysis.invocations;
  const n = invs.length;
  const source = new Map<number, Finding>();
  for (const f of findings) {
    if (f.invocation === undefined || !SOURCE_RULES.has(f.rule)) continue;
    if (f.risk !== "high" && f.risk !== "critical") continue;
    if (!source.has(f.invocation)) source.set(f.invocation, f);
  }
  if (source.size === 0) return [];

  const out: Labels[] = invs.map((_, i) => new Set(source.has(i) ? [i] : []));
  const viaStdin: Labels[] = invs.map(() => new Set());
  const viaArgs: Labels[] = invs.map(() => new Set());
  const reads = invs.map((inv) => filesRead(inv, ctx));
  const writes = invs.map((inv) => filesWritten(inv, ctx));
  /** File → labels of what was written to it, and the first invocation that wrote a secret there. */
  const files = new Map<string, { labels: Labels; from: number }>();

  for (let round = 0, changed = true; changed && round <= n + 1; round++) {
    changed = false;
    for (let i = 0; i < n; i++) {
      for (const f of flows.stdinFrom[i] ?? []) changed = addAll(viaStdin[i]!, out[f]) || changed;
      const sub = flows.substitution[i];
      if (sub) {
        if (sub.kind === "output") changed = addAll(viaArgs[sub.into]!, out[i]) || changed;
        else {
          changed = addAll(viaStdin[i]!, out[sub.into]) || changed;
          changed = addAll(viaStdin[i]!, viaStdin[sub.into]) || changed;
        }
      }
      const w = flows.wrapper[i];
      if (w !== null && w !== undefined) {
        changed = addAll(viaArgs[i]!, viaArgs[w]) || changed;
        // xargs and parallel turn what they read into the command's arguments.
        const outer = invs[i]!.via.at(-1);
        if (outer === "xargs" || outer === "parallel") changed = addAll(viaArgs[i]!, viaStdin[w]) || changed;
        changed = addAll(out[w]!, out[i]) || changed;
      }
      for (const v of flows.variables)
        if (v.visibleFrom <= i && mentions(invs[i]!, v.name))
          for (const s of v.from) changed = addAll(viaArgs[i]!, out[s]) || changed;
      for (const p of reads[i]!) {
        const f = files.get(p);
        if (f !== undefined && f.from < i) changed = addAll(viaArgs[i]!, f.labels) || changed;
      }
      // What a command is given may come out of it again (`base64`, `grep`, `echo "$(…)"`).
      changed = addAll(out[i]!, viaStdin[i]) || changed;
      changed = addAll(out[i]!, viaArgs[i]) || changed;
      if (out[i]!.size > 0)
        for (const p of writes[i]!) {
          const f = files.get(p) ?? { labels: new Set<number>(), from: i };
          if (!files.has(p)) {
            files.set(p, f);
            changed = true;
          }
          f.from = Math.min(f.from, i);
          changed = addAll(f.labels, out[i]) || changed;
        }
    }
  }

  const result: Finding[] = [];
  for (let i = 0; i < n; i++) {
    const inv = invs[i]!;
    const labels = new Set<number>();
    const client = isNetworkClient(inv);
    if (client) {
      addAll(labels, viaArgs[i]);
      // A pipe into a loop or a client with run-time words: the data may arrive through `read` variables.
      if (sendsStdin(inv) || inv.argv.some((w) => w.dynamic)) addAll(labels, viaStdin[i]);
    } else if (sendsStdin(inv)) addAll(labels, viaStdin[i]);
    labels.delete(i);
    // bash's /dev/tcp/HOST/PORT: the command's output goes straight to the network (its own reads too).
    if (inv.redirects.some((r) => isOutputRedirect(r) && /^\/dev\/(tcp|udp)\//.test(r.target.value)))
      addAll(labels, out[i]);
    const sources = [...labels]
      .sort((a, b) => a - b)
      .filter((s) => !ownCloud(invs[s]!, source.get(s)?.rule ?? "", inv) && source.has(s));
    if (sources.length === 0) continue;
    const s = sources[0]!;
    const what = source.get(s)!;
    result.push(
      finding(
        "critical",
        "secrets.exfiltration",
        `sends secrets to another machine: what ${quote(analysis, invs[s]!)} ${
          what.rule === "secrets.read" ? "reads" : "prints"
        } (${what.reason}) reaches ${quote(analysis, inv)}`,
        i,
        what.paths ? { paths: what.paths } : {},
      ),
    );
  }
  return result;
}
