// Network tools: fetching is ordinary; sending files (above all secrets), raw sockets, listeners and
// remote shells are not. `ssh host CMD` is unwrapped by the shell stage, so CMD is classified on its own.
import type { Finding, Invocation, Risk, RuleContext, Word } from "../types.ts";
import { maxRisk } from "../types.ts";
import type { RulePack } from "./pack.ts";
import { judgeDelete, judgeWrite, resolveTarget } from "./paths.ts";
import { secretPath } from "./secrets.ts";
import { finding } from "./util.ts";

/** The cloud instance metadata service hands out the machine's credentials. */
const METADATA =
  /(169\.254\.169\.254|metadata\.google\.internal|169\.254\.170\.2|fd00:ec2::254|100\.100\.100\.200)/;

function fileWord(value: string, like: Word): Word {
  return { value, text: like.dynamic ? like.text.replace(/^[^@]*@/, "") : value, dynamic: like.dynamic };
}

/** The worst outcome of sending local file `file` to a server. */
function upload(file: Word, ctx: RuleContext, index: number, tool: string): Finding {
  if (file.value === "-")
    return finding(
      "medium",
      "network.upload-stdin",
      `\`${tool}\` sends data piped into it to a server`,
      index,
    );
  const t = resolveTarget(file, ctx);
  if (t.kind === "dynamic")
    return finding(
      "high",
      "network.upload-dynamic",
      `\`${tool}\` sends a file only known at run time (${file.text}) to a server`,
      index,
    );
  const s = secretPath(t.path, ctx);
  if (s)
    return finding(
      "critical",
      "network.upload-secret",
      `\`${tool}\` sends ${s.what} (${t.path}) to a server`,
      index,
      { paths: [t.path] },
    );
  return finding("medium", "network.upload", `\`${tool}\` sends the file ${t.path} to a server`, index, {
    paths: [t.path],
  });
}

const CURL_VALUES = new Set([
  "-X",
  "--request",
  "-d",
  "--data",
  "--data-raw",
  "--data-binary",
  "--data-urlencode",
  "--data-ascii",
  "--json",
  "-F",
  "--form",
  "--form-string",
  "-T",
  "--upload-file",
  "-o",
  "--output",
  "--output-dir",
  "-H",
  "--header",
  "-u",
  "--user",
  "-A",
  "--user-agent",
  "-e",
  "--referer",
  "-b",
  "--cookie",
  "-c",
  "--cookie-jar",
  "-K",
  "--config",
  "-w",
  "--write-out",
  "--url",
  "-x",
  "--proxy",
  "-m",
  "--max-time",
  "--connect-timeout",
  "--retry",
  "--retry-delay",
  "--retry-max-time",
  "-r",
  "--range",
  "-C",
  "--continue-at",
  "-E",
  "--cert",
  "--key",
  "--cacert",
  "--capath",
  "--resolve",
  "-D",
  "--dump-header",
  "--trace",
  "--trace-ascii",
  "--stderr",
  "--limit-rate",
  "-z",
  "--time-cond",
  "--interface",
  "--max-filesize",
  "--oauth2-bearer",
  "--aws-sigv4",
  "--variable",
  "-Y",
  "-y",
  "--unix-socket",
  "--abstract-unix-socket",
  "--max-redirs",
  "-Q",
  "--quote",
]);
const CURL_SHORT_VALUES = "XdFTouAebcKwxmrCEDHzYyQ";

function curl(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  const words = inv.argv.slice(1);
  const out: Finding[] = [];
  let method = "";
  let sendsData = false;
  const urls: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    let v = w.value;
    let name = v;
    let value: Word | undefined;
    if (v.startsWith("--")) {
      const eq = v.indexOf("=");
      if (eq !== -1) {
        name = v.slice(0, eq);
        value = { value: v.slice(eq + 1), text: v.slice(eq + 1), dynamic: w.dynamic };
      } else if (CURL_VALUES.has(v)) value = words[++i];
    } else if (v.startsWith("-") && v.length > 1) {
      // Bundled short flags: the first value-taking letter takes the rest of the word or the next word.
      let j = 1;
      for (; j < v.length; j++) if (CURL_SHORT_VALUES.includes(v[j]!)) break;
      if (j < v.length) {
        name = `-${v[j]}`;
        const attached = v.slice(j + 1);
        value = attached ? { value: attached, text: attached, dynamic: w.dynamic } : words[++i];
        if (v.slice(1, j).includes("G")) method ||= "GET";
      } else {
        if (v.includes("I")) method ||= "HEAD";
        if (v.includes("G")) method ||= "GET";
        continue;
      }
    } else {
      urls.push(v);
      continue;
    }
    if (!value) continue;
    v = value.value;
    switch (name) {
      case "-X":
      case "--request":
        method = v.toUpperCase();
        break;
      case "-d":
      case "--data":
      case "--data-binary":
      case "--data-ascii":
      case "--data-urlencode":
      case "--json": {
        sendsData = true;
        const at = name === "--data-urlencode" ? v.indexOf("@") : v.startsWith("@") ? 0 : -1;
        if (at !== -1) out.push(upload(fileWord(v.slice(at + 1), value), ctx, index, "curl"));
        break;
      }
      case "--data-raw":
        sendsData = true;
        break;
      case "-F":
      case "--form": {
        sendsData = true;
        const m = /^[^=]*=([@<])([^;]*)/.exec(v);
        if (m) out.push(upload(fileWord(m[2]!, value), ctx, index, "curl"));
        break;
      }
      case "--form-string":
        sendsData = true;
        break;
      case "-T":
      case "--upload-file":
        sendsData = true;
        out.push(upload(value, ctx, index, "curl"));
        break;
      case "-o":
      case "--output":
      case "-D":
      case "--dump-header":
      case "-c":
      case "--cookie-jar":
      case "--trace":
      case "--trace-ascii": {
        if (v === "-") break;
        const t = resolveTarget(value, ctx);
        const j = judgeWrite(t, ctx);
        if (j.risk !== "low")
          out.push(
            finding(
              j.risk,
              `network.download-to-${j.tag}`,
              `\`curl\` saves the response to ${j.what}`,
              index,
            ),
          );
        break;
      }
      case "-K":
      case "--config":
        out.push(
          finding(
            "medium",
            "network.curl-config",
            "`curl` reads its options from a file that is not checked",
            index,
          ),
        );
        break;
      case "--url":
        urls.push(v);
        break;
      case "--unix-socket":
      case "--abstract-unix-socket":
        if (/docker\.sock|containerd\.sock|podman\.sock/.test(v))
          out.push(
            finding(
              "critical",
              "network.docker-socket",
              "talks to the container daemon socket directly (root-equivalent)",
              index,
            ),
          );
        break;
    }
  }
  out.push(...urlFindings("curl", urls, ctx, index));
  if (method && !["GET", "HEAD", "OPTIONS"].includes(method))
    out.push(
      finding(
        method === "DELETE" ? "medium" : "medium",
        "network.http-write",
        `\`curl -X ${method}\` changes data on a server`,
        index,
      ),
    );
  else if (sendsData && !out.some((f) => f.rule.startsWith("network.upload")))
    out.push(finding("medium", "network.http-post", "`curl` sends data to a server", index));
  return out;
}

function urlFindings(tool: string, urls: readonly string[], ctx: RuleContext, index: number): Finding[] {
  const out: Finding[] = [];
  for (const u of urls) {
    if (METADATA.test(u))
      out.push(
        finding(
          "high",
          "network.metadata-service",
          `\`${tool}\` reads the cloud metadata service, which hands out this machine's credentials`,
          index,
        ),
      );
    const file = /^file:\/\/(\/.*)$/.exec(u);
    if (file) {
      const s = secretPath(file[1]!, ctx);
      out.push(
        finding(
          s ? "high" : "medium",
          "network.file-url",
          `\`${tool}\` reads the local file ${file[1]}${s ? `, ${s.what}` : ""}`,
          index,
        ),
      );
    }
  }
  return out;
}

function wget(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  const words = inv.argv.slice(1);
  const out: Finding[] = [];
  const urls: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const v = w.value;
    const eq = v.indexOf("=");
    const name = v.startsWith("--") && eq !== -1 ? v.slice(0, eq) : v;
    const takes = [
      "-O",
      "--output-document",
      "-P",
      "--directory-prefix",
      "--post-file",
      "--body-file",
      "--post-data",
      "--body-data",
      "--method",
      "-o",
      "--output-file",
      "-a",
      "--append-output",
      "-i",
      "--input-file",
      "--header",
      "-U",
      "--user-agent",
      "--user",
      "--password",
      "-e",
      "--execute",
      "-T",
      "--timeout",
      "-t",
      "--tries",
    ];
    let value: Word | undefined;
    if (takes.includes(name))
      value =
        eq !== -1 && v.startsWith("--")
          ? { value: v.slice(eq + 1), text: v.slice(eq + 1), dynamic: w.dynamic }
          : words[++i];
    else if (/^-[OP].+/.test(v)) value = { value: v.slice(2), text: v.slice(2), dynamic: w.dynamic };
    else if (!v.startsWith("-")) {
      urls.push(v);
      continue;
    }
    if (!value) continue;
    const n = /^-[OP].+/.test(v) ? v.slice(0, 2) : name;
    switch (n) {
      case "--post-file":
      case "--body-file":
        out.push(upload(value, ctx, index, "wget"));
        break;
      case "--post-data":
      case "--body-data":
        out.push(finding("medium", "network.http-post", "`wget` sends data to a server", index));
        break;
      case "--method":
        if (!/^(GET|HEAD|OPTIONS)$/i.test(value.value))
          out.push(
            finding(
              "medium",
              "network.http-write",
              `\`wget --method ${value.value}\` changes data on a server`,
              index,
            ),
          );
        break;
      case "-O":
      case "--output-document":
      case "-P":
      case "--directory-prefix":
      case "-o":
      case "--output-file":
      case "-a":
      case "--append-output": {
        if (value.value === "-") break;
        const j = judgeWrite(resolveTarget(value, ctx), ctx);
        if (j.risk !== "low")
          out.push(finding(j.risk, `network.download-to-${j.tag}`, `\`wget\` saves to ${j.what}`, index));
        break;
      }
      case "-e":
      case "--execute":
        out.push(finding("medium", "network.wget-execute", "`wget -e` runs configuration commands", index));
        break;
    }
  }
  out.push(...urlFindings("wget", urls, ctx, index));
  return out;
}

function httpie(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  const words = inv.argv.slice(1).filter((w) => !w.value.startsWith("-"));
  const out: Finding[] = [];
  const method = /^[A-Z]+$/.test(words[0]?.value ?? "") ? words[0]!.value : "";
  for (const w of words) {
    const m = /^[^=@:]*(?:=@|:=@|@)(.+)$/.exec(w.value);
    if (m && !/^https?:\/\//.test(w.value) && !w.value.includes("://"))
      out.push(upload(fileWord(m[1]!, w), ctx, index, inv.program!));
  }
  if (method && !["GET", "HEAD", "OPTIONS"].includes(method) && out.length === 0)
    out.push(
      finding("medium", "network.http-write", `\`${inv.program} ${method}\` changes data on a server`, index),
    );
  out.push(
    ...urlFindings(
      inv.program!,
      words.map((w) => w.value),
      ctx,
      index,
    ),
  );
  return out;
}

function netcat(inv: Invocation, index: number): Finding[] {
  const a = inv.argv.slice(1).map((w) => w.value);
  const program = inv.program!;
  const short = (ch: string) => a.some((x) => /^-[a-zA-Z0-9]+$/.test(x) && x.includes(ch));
  if (program === "socat") {
    if (a.some((x) => /^(EXEC|SYSTEM):/i.test(x)))
      return [
        finding(
          "critical",
          "network.socat-exec",
          "`socat` connects a program to the network (a remote shell)",
          index,
        ),
      ];
    if (a.some((x) => /LISTEN/i.test(x)))
      return [finding("high", "network.listen", "`socat` listens for incoming connections", index)];
    return [finding("high", "network.raw-socket", "`socat` opens a raw network connection", index)];
  }
  if (short("e") || short("c") || a.some((x) => x === "--exec" || x === "--sh-exec" || x === "--lua-exec"))
    return [
      finding(
        "critical",
        "network.nc-exec",
        `\`${program}\` attaches a program to a network connection (a remote shell)`,
        index,
      ),
    ];
  if (short("z") && !short("l"))
    return [finding("low", "network.port-check", "checks whether a port is open", index)];
  if (short("l") || a.includes("--listen"))
    return [finding("high", "network.listen", `\`${program}\` listens for incoming connections`, index)];
  return [
    finding(
      "high",
      "network.raw-socket",
      `\`${program}\` opens a raw network connection that can send anything`,
      index,
    ),
  ];
}

function ssh(inv: Invocation, index: number): Finding[] {
  const a = inv.argv.slice(1).map((w) => w.value);
  const out: Finding[] = [
    finding("medium", "network.ssh", "opens a shell session on another machine", index),
  ];
  if (a.some((x) => /^-[a-zA-Z]*[LRD]/.test(x) || x === "-w"))
    out.push(finding("high", "network.ssh-tunnel", "opens a network tunnel through SSH", index));
  if (
    a.some(
      (x, i) =>
        /ProxyCommand|LocalCommand|PermitLocalCommand/i.test(x) && (x.includes("=") || a[i - 1] === "-o"),
    )
  )
    out.push(
      finding(
        "high",
        "network.ssh-local-command",
        "makes ssh run a local command (ProxyCommand/LocalCommand)",
        index,
      ),
    );
  return out;
}

/** `host:path`, `user@host:path`, `rsync://…` — but not `./a:b` or `/abs:path`. */
function isRemote(v: string): boolean {
  return (
    (/^[a-zA-Z][\w.-]*@?[\w.-]*:/.test(v) && !v.startsWith("/") && !v.startsWith(".")) ||
    /^(rsync|scp|sftp):\/\//.test(v)
  );
}

function copyRemote(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  const program = inv.program!;
  const values =
    program === "rsync"
      ? [
          "-e",
          "--rsh",
          "--exclude",
          "--include",
          "--filter",
          "-f",
          "--files-from",
          "--password-file",
          "--chmod",
          "--chown",
          "--exclude-from",
          "--include-from",
          "--log-file",
          "--partial-dir",
          "--backup-dir",
          "--suffix",
          "-T",
          "--temp-dir",
          "--rsync-path",
          "--port",
          "--timeout",
          "--bwlimit",
          "--info",
          "--debug",
          "--max-size",
          "--min-size",
          "--compare-dest",
          "--copy-dest",
          "--link-dest",
        ]
      : ["-i", "-P", "-o", "-F", "-c", "-l", "-S", "-J"];
  const words = inv.argv.slice(1);
  const operands: Word[] = [];
  const opts: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const v = words[i]!.value;
    if (v.startsWith("-") && v !== "-") {
      opts.push(v);
      if (!v.includes("=") && values.includes(v)) i++;
      continue;
    }
    operands.push(words[i]!);
  }
  if (operands.length < 2)
    return [finding("medium", `network.${program}`, `\`${program}\` copies files`, index)];
  const dest = operands[operands.length - 1]!;
  const sources = operands.slice(0, -1);
  const out: Finding[] = [];
  const remoteDest = isRemote(dest.value);
  const anyRemote = remoteDest || sources.some((s) => isRemote(s.value));
  const del = opts.some((o) => /^--(delete|del|remove-source-files)/.test(o));
  if (remoteDest) {
    for (const s of sources) {
      if (isRemote(s.value)) continue;
      const f = upload(s, ctx, index, program);
      if (f.risk === "critical") out.push(f);
    }
    out.push(
      finding(
        del ? "high" : "medium",
        `network.${program}-upload`,
        `\`${program}\` copies files to another machine${del ? ", deleting files there that are not in the source" : ""}`,
        index,
      ),
    );
    return out;
  }
  const t = resolveTarget(dest, ctx);
  let risk: Risk = anyRemote ? "medium" : "low";
  let what = anyRemote ? `\`${program}\` copies files from another machine` : `\`${program}\` copies files`;
  const wj = judgeWrite(t, ctx);
  if (del) {
    const dj = judgeDelete(t, ctx, true);
    if (dj.risk !== "low") {
      risk = maxRisk(risk, dj.tag === "project" ? "medium" : dj.risk);
      what = `\`${program} --delete\` removes files in ${dj.what} that are not in the source`;
    }
  }
  if (wj.risk !== "low" && wj.tag !== "outside") {
    risk = maxRisk(risk, wj.risk);
    what = `\`${program}\` writes into ${wj.what}`;
  } else if (wj.tag === "outside") risk = maxRisk(risk, "medium");
  return risk === "low" ? out : [...out, finding(risk, `network.${program}`, what, index)];
}

export const networkPack: RulePack = {
  name: "network",
  programs: [
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
    "ssh",
    "scp",
    "sftp",
    "rsync",
    "telnet",
    "ftp",
    "lftp",
    "tftp",
    "ssh-copy-id",
    "sshpass",
    "mosh",
  ],
  classify(inv, ctx, index) {
    const program = inv.program!;
    switch (program) {
      case "curl":
        return curl(inv, ctx, index);
      case "wget":
        return wget(inv, ctx, index);
      case "http":
      case "https":
      case "xh":
      case "xhs":
        return httpie(inv, ctx, index);
      case "nc":
      case "ncat":
      case "netcat":
      case "socat":
        return netcat(inv, index);
      case "ssh":
      case "mosh":
        return ssh(inv, index);
      case "scp":
      case "rsync":
        return copyRemote(inv, ctx, index);
      case "ssh-copy-id":
        return [
          finding(
            "high",
            "network.ssh-copy-id",
            "installs your key on another machine, granting lasting access",
            index,
          ),
        ];
      case "sshpass":
        return [
          finding("high", "network.sshpass", "logs in with a password given on the command line", index),
        ];
      default:
        return [
          finding(
            "medium",
            `network.${program}`,
            `\`${program}\` opens a session with another machine`,
            index,
          ),
        ];
    }
  },
};
