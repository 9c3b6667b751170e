// Secret stores: Vault, 1Password (`op`), Doppler, Heroku config, pass/gopass, Bitwarden, secret-tool, sops.
// Their whole purpose is to hand out secrets, so printing a value is a secret read (high: it lands in the
// agent's context and its logs); listing names is reading; changing access or audit is refused by default.
// `op run -- CMD` and `doppler run -- CMD` are unwrapped by the shell stage, so CMD is classified on its own.
import type { Finding, Invocation, Risk, RuleContext } from "../types.ts";
import { hasOption, type OptionGrammar, operands } from "./cli.ts";
import { classifyUnknown } from "./generic.ts";
import type { RulePack } from "./pack.ts";
import { finding } from "./util.ts";

type Verdict = { risk: Risk; rule: string; reason: string };
const v = (risk: Risk, rule: string, reason: string): Verdict => ({ risk, rule: `vaults.${rule}`, reason });

/** Subcommands this pack has no opinion on: judged like any other CLI (src/rules/generic.ts). */
const GENERIC: Verdict[] = [];

const secretRead = (reason: string) => v("high", "secret-read", reason);

/** Vault flags are single-dash (`-field=x` or `-field x`); these take the next word when not written with `=`. */
const VAULT: OptionGrammar = {
  values: [
    "-address",
    "-namespace",
    "-ns",
    "-format",
    "-field",
    "-mount",
    "-version",
    "-versions",
    "-ca-cert",
    "-ca-path",
    "-client-cert",
    "-client-key",
    "-tls-server-name",
    "-wrap-ttl",
    "-policy",
    "-ttl",
    "-explicit-max-ttl",
    "-period",
    "-display-name",
    "-method",
    "-path",
    "-role",
    "-type",
    "-description",
    "-header",
    "-mfa",
    "-output",
    "-token",
    "-accessor",
    "-metadata",
    "-cas",
    "-key-shares",
    "-key-threshold",
  ],
};

function vault(list: readonly string[]): Verdict[] {
  const ops = operands(list, VAULT).map((o) => o.value);
  const [cmd, sub, third] = ops;
  if (
    cmd === undefined ||
    cmd === "version" ||
    cmd === "status" ||
    hasOption(list, ["-help", "--help", "-h"])
  )
    return [v("low", "read", "shows Vault's status or help")];
  switch (cmd) {
    case "kv": {
      if (sub === "get")
        return [secretRead(`\`vault kv get\` prints the secret stored at ${third ?? "a path"}`)];
      if (sub === "list" || sub === undefined) return [v("low", "read", "lists the names of stored secrets")];
      if (sub === "metadata") {
        if (third === "delete")
          return [v("high", "secret-delete", "deletes every version of a stored secret")];
        if (third === "get" || third === undefined)
          return [v("low", "read", "shows a secret's metadata (no values)")];
        return [
          v("medium", "secret-write", `\`vault kv metadata ${third}\` changes a stored secret's settings`),
        ];
      }
      if (sub === "delete" || sub === "destroy")
        return [v("high", "secret-delete", `\`vault kv ${sub}\` removes a stored secret`)];
      return [v("medium", "secret-write", `\`vault kv ${sub}\` changes stored secrets`)];
    }
    case "read": {
      const path = sub ?? "";
      if (/^sys\//.test(path) && !/^sys\/(raw|generate-root|rekey)/.test(path))
        return [v("low", "read", `reads Vault's configuration at ${path}`)];
      return [
        secretRead(`\`vault read\` prints what is stored at ${path || "a path"} (secrets, credentials)`),
      ];
    }
    case "list":
      return [v("low", "read", "lists the names under a Vault path")];
    case "unwrap":
      return [secretRead("`vault unwrap` prints a wrapped secret")];
    case "print":
      return [secretRead("`vault print token` prints the Vault token in use")];
    case "write": {
      const path = sub ?? "";
      if (/(^|\/)(creds|issue|sign|decrypt|generate-root)(\/|$)|^auth\/token\/create/.test(path))
        return [secretRead(`\`vault write ${path}\` prints newly issued credentials or decrypted data`)];
      if (/^sys\/(policy|policies|auth|audit|mounts)/.test(path))
        return [
          v(
            "critical",
            "access-change",
            `\`vault write ${path}\` changes who may read secrets or what is audited`,
          ),
        ];
      return [v("medium", "write", `writes to the Vault path ${path || "(unknown)"}`)];
    }
    case "patch":
      return [v("medium", "write", `changes data at the Vault path ${sub ?? "(unknown)"}`)];
    case "delete":
      return [v("high", "secret-delete", `deletes what is stored at ${sub ?? "a Vault path"}`)];
    case "token":
      if (sub === "create" || sub === "create-orphan")
        return [v("high", "credential-create", "mints a new Vault token and prints it")];
      if (sub === "lookup")
        return [secretRead("`vault token lookup` prints the token's details, the token itself included")];
      if (sub === "capabilities") return [v("low", "read", "shows what a token may do")];
      return [v("medium", "token", `\`vault token ${sub ?? ""}\` changes a Vault token`.replace(" `", "`"))];
    case "login":
      return [v("medium", "login", "logs in to Vault (stores a token)")];
    case "policy":
      if (sub === "write" || sub === "delete" || sub === "fmt")
        return sub === "fmt"
          ? [v("low", "read", "formats a policy file")]
          : [v("critical", "access-change", `\`vault policy ${sub}\` changes who may read which secrets`)];
      return [v("low", "read", "reads Vault policies")];
    case "audit":
      if (sub === "disable")
        return [
          v("critical", "audit-disable", "turns off a Vault audit device: secret reads stop being recorded"),
        ];
      if (sub === "enable") return [v("high", "audit-change", "changes where Vault records its audit log")];
      return [v("low", "read", "lists Vault audit devices")];
    case "auth":
    case "secrets":
      if (sub === "list" || sub === undefined || sub === "help")
        return [v("low", "read", `lists Vault ${cmd} engines`)];
      if (sub === "disable")
        return [
          v(
            "critical",
            "engine-disable",
            cmd === "secrets"
              ? "disables a secrets engine, destroying every secret stored in it"
              : "disables an auth method: everyone who logs in with it is locked out",
          ),
        ];
      return [v("high", "engine-change", `\`vault ${cmd} ${sub}\` changes Vault's ${cmd} engines`)];
    case "operator":
      if (sub === "init")
        return [secretRead("`vault operator init` prints the unseal keys and the root token")];
      if (sub === "generate-root")
        return [v("critical", "root-token", "generates a new Vault root token (unlimited access)")];
      if (sub === "raft" && third === "snapshot")
        return [secretRead("a Vault snapshot holds every stored secret")];
      if (sub === "members" || sub === "key-status" || (sub === "raft" && third === "list-peers"))
        return [v("low", "read", "shows the state of the Vault cluster")];
      return [v("high", "operator", `\`vault operator ${sub ?? ""}\` changes the running Vault cluster`)];
    case "path-help":
    case "namespace":
    case "plugin":
    case "lease":
      if (cmd === "lease" && sub === "revoke") return [v("medium", "lease", "revokes Vault leases")];
      if ((cmd === "namespace" || cmd === "plugin") && !["list", "lookup", "info", undefined].includes(sub))
        return [v("high", "engine-change", `\`vault ${cmd} ${sub}\` changes Vault's configuration`)];
      return [v("low", "read", `reads Vault's ${cmd} information`)];
    default:
      return GENERIC;
  }
}

const OP: OptionGrammar = {
  values: [
    "--account",
    "--vault",
    "--format",
    "--fields",
    "--session",
    "--config",
    "--encoding",
    "-o",
    "--out-file",
    "--cache",
    "--categories",
    "--tags",
    "--expires-in",
    "--emails",
    "--title",
    "--file-name",
    "-i",
    "--in-file",
  ],
};

function onePassword(list: readonly string[]): Verdict[] {
  const ops = operands(list, OP).map((o) => o.value);
  const [cmd, sub] = ops;
  if (cmd === undefined || hasOption(list, ["--help", "--version"], "h"))
    return [v("low", "read", "shows 1Password CLI help")];
  switch (cmd) {
    case "read":
      return [secretRead(`\`op read\` prints the secret ${sub ?? ""}`.trimEnd())];
    case "inject":
      return [secretRead("`op inject` fills a template with secret values")];
    case "item":
    case "document":
      if (sub === "get")
        return [
          secretRead(`\`op ${cmd} get\` prints a stored ${cmd === "item" ? "item's fields" : "document"}`),
        ];
      if (sub === "list" || sub === "template")
        return [v("low", "read", `lists 1Password ${cmd}s (names only)`)];
      if (sub === "delete") return [v("high", "secret-delete", `deletes a 1Password ${cmd}`)];
      if (sub === "share") return [v("high", "secret-share", "creates a link that gives others the item")];
      return [v("medium", "secret-write", `\`op ${cmd} ${sub ?? ""}\` changes 1Password ${cmd}s`)];
    case "whoami":
    case "account":
    case "vault":
    case "user":
    case "group":
    case "events-api":
      if (sub === undefined || sub === "list" || sub === "get" || cmd === "whoami")
        return [v("low", "read", `shows 1Password ${cmd} information`)];
      return [v("medium", "change", `\`op ${cmd} ${sub}\` changes 1Password settings`)];
    case "connect":
    case "service-account":
      return ops.includes("token") || ops.includes("create")
        ? [v("high", "credential-create", `\`op ${cmd}\` creates a token that can read secrets`)]
        : [v("medium", "change", `\`op ${cmd} ${sub ?? ""}\` changes 1Password integrations`)];
    case "signin":
    case "signout":
      return [v("medium", "login", `\`op ${cmd}\` starts or ends a 1Password session`)];
    case "run":
      return [v("medium", "run-with-secrets", "runs a command with 1Password secrets in its environment")];
    default:
      return GENERIC;
  }
}

const DOPPLER: OptionGrammar = {
  values: [
    "-p",
    "--project",
    "-c",
    "--config",
    "--token",
    "--scope",
    "--format",
    "--api-host",
    "--configuration",
    "--name-transformer",
    "--mount",
    "--mount-format",
    "--mount-template",
    "--fallback",
    "--command",
  ],
};

function doppler(list: readonly string[]): Verdict[] {
  const ops = operands(list, DOPPLER).map((o) => o.value);
  const [cmd, sub] = ops;
  if (cmd === undefined || hasOption(list, ["--help", "--version"], "h"))
    return [v("low", "read", "shows Doppler CLI help")];
  switch (cmd) {
    case "secrets":
      if (sub === undefined)
        return hasOption(list, ["--only-names"])
          ? [v("low", "read", "lists the names of the project's secrets")]
          : [secretRead("`doppler secrets` prints every secret of the config")];
      if (sub === "get" || sub === "download" || sub === "substitute")
        return [secretRead(`\`doppler secrets ${sub}\` prints or saves secret values`)];
      if (sub === "delete") return [v("high", "secret-delete", "deletes Doppler secrets")];
      return [v("medium", "secret-write", `\`doppler secrets ${sub}\` changes the project's secrets`)];
    case "run":
      return [
        v("medium", "run-with-secrets", "runs a command with the project's secrets in its environment"),
      ];
    case "configs":
    case "projects":
    case "environments":
    case "activity":
    case "me":
    case "settings":
      if (ops.includes("tokens") && ops.includes("create"))
        return [v("high", "credential-create", "creates a Doppler service token and prints it")];
      if (sub === undefined || sub === "get" || sub === "list" || sub === "info")
        return [v("low", "read", `shows Doppler ${cmd}`)];
      if (sub === "delete") return [v("high", "delete", `deletes Doppler ${cmd}`)];
      return [v("medium", "change", `\`doppler ${cmd} ${sub}\` changes Doppler settings`)];
    default:
      return GENERIC;
  }
}

function heroku(list: readonly string[]): Verdict[] {
  const [cmd] = operands(list, { values: ["-a", "--app", "-r", "--remote"] }).map((o) => o.value);
  if (cmd === undefined || hasOption(list, ["--help", "--version"], "h"))
    return [v("low", "read", "shows Heroku CLI help")];
  if (cmd === "config" || cmd === "config:get")
    return [secretRead(`\`heroku ${cmd}\` prints the app's config vars (its secrets)`)];
  if (cmd === "auth:token" || cmd === "authorizations:create")
    return [v("high", "credential-create", `\`heroku ${cmd}\` prints a Heroku API token`)];
  if (/^pg:credentials/.test(cmd) || cmd === "redis:credentials")
    return [secretRead(`\`heroku ${cmd}\` prints database credentials`)];
  if (
    /^(apps(:info)?|ps|releases|status|version|help|domains|addons|regions|stack|features|labs|info)$/.test(
      cmd,
    )
  )
    return [v("low", "read", `\`heroku ${cmd}\` only reads`)];
  return GENERIC;
}

/** pass / gopass: `pass NAME` shows a password; `pass` alone or `pass ls` lists the names. */
function passwordStore(program: string, list: readonly string[]): Verdict[] {
  const ops = operands(list).map((o) => o.value);
  const [cmd] = ops;
  if (cmd === undefined || cmd === "ls" || cmd === "list" || cmd === "find" || cmd === "search")
    return [v("low", "read", `lists the names in the ${program} store`)];
  if (hasOption(list, ["--help", "--version"]) || cmd === "help" || cmd === "version")
    return [v("low", "read", `shows ${program} help`)];
  if (cmd === "rm" || cmd === "remove" || cmd === "delete")
    return [v("high", "secret-delete", `deletes a password from the ${program} store`)];
  if (cmd === "insert" || cmd === "edit" || cmd === "mv" || cmd === "cp" || cmd === "init" || cmd === "git")
    return [v("medium", "secret-write", `\`${program} ${cmd}\` changes the password store`)];
  if (
    cmd === "generate" ||
    cmd === "otp" ||
    cmd === "show" ||
    cmd === "cat" ||
    cmd === "grep" ||
    ops.length === 1
  )
    return [secretRead(`\`${program} ${ops.join(" ")}\` prints a stored password`)];
  return GENERIC;
}

function bitwarden(list: readonly string[]): Verdict[] {
  const [cmd, sub] = operands(list, {
    values: [
      "--session",
      "--output",
      "--format",
      "--organizationid",
      "--search",
      "--folderid",
      "--collectionid",
    ],
  }).map((o) => o.value);
  if (cmd === undefined || hasOption(list, ["--help", "--version"], "h"))
    return [v("low", "read", "shows Bitwarden CLI help")];
  if (cmd === "get" || cmd === "export" || (cmd === "list" && (sub === "items" || sub === undefined)))
    return [secretRead(`\`bw ${cmd}${sub ? ` ${sub}` : ""}\` prints stored passwords`)];
  if (cmd === "unlock")
    return [v("high", "credential-create", "`bw unlock` prints a session key that opens the vault")];
  if (cmd === "list" || cmd === "status" || cmd === "sync")
    return [v("low", "read", `\`bw ${cmd}\` shows the vault's state`)];
  if (cmd === "delete") return [v("high", "secret-delete", "deletes a Bitwarden item")];
  return GENERIC;
}

function secretTool(list: readonly string[]): Verdict[] {
  const [cmd] = operands(list).map((o) => o.value);
  if (cmd === "lookup") return [secretRead("`secret-tool lookup` prints a password from the keyring")];
  if (cmd === "search")
    return hasOption(list, ["--unlock"])
      ? [secretRead("`secret-tool search --unlock` prints matching passwords")]
      : [v("low", "read", "lists keyring items")];
  if (cmd === "clear") return [v("high", "secret-delete", "deletes passwords from the keyring")];
  return [v("medium", "secret-write", `\`secret-tool ${cmd ?? ""}\` changes the keyring`.replace(" `", "`"))];
}

/** macOS `security`: only the keychain subcommands that print secrets are judged here. */
function macSecurity(list: readonly string[]): Verdict[] {
  const [cmd] = operands(list).map((o) => o.value);
  if (/^find-(generic|internet)-password$/.test(cmd ?? ""))
    return list.includes("-w") || list.includes("-g")
      ? [secretRead(`\`security ${cmd}\` prints a password from the keychain`)]
      : [v("low", "read", "shows a keychain item's attributes (no password)")];
  if (cmd === "dump-keychain")
    return hasOption(list, [], "d")
      ? [secretRead("`security dump-keychain -d` prints every keychain secret")]
      : [v("low", "read", "lists keychain items")];
  if (cmd === "export" || cmd === "find-certificate")
    return cmd === "export"
      ? [secretRead("`security export` writes keychain keys out")]
      : [v("low", "read", "shows certificates")];
  if (cmd !== undefined && /^(list|show|find|dump|verify|help|cms)/.test(cmd))
    return [v("low", "read", `\`security ${cmd}\` only reads`)];
  return GENERIC;
}

function sops(list: readonly string[]): Verdict[] {
  const [cmd] = operands(list, {
    values: [
      "--output",
      "--input-type",
      "--output-type",
      "--extract",
      "--config",
      "--kms",
      "--pgp",
      "--age",
      "--gcp-kms",
      "--azure-kv",
      "--hc-vault-transit",
    ],
  }).map((o) => o.value);
  if (hasOption(list, ["--decrypt"], "d") || cmd === "decrypt")
    return [secretRead("`sops --decrypt` prints the decrypted secrets")];
  if (cmd === "exec-env" || cmd === "exec-file")
    return [v("medium", "run-with-secrets", `\`sops ${cmd}\` runs a command with the decrypted secrets`)];
  if (hasOption(list, ["--version", "--help"], "h") || cmd === "help")
    return [v("low", "read", "shows sops help")];
  if (hasOption(list, ["--encrypt"], "e") || cmd === "encrypt")
    return [v("low", "encrypt", "encrypts a file")];
  return [v("medium", "edit", "`sops` opens or changes an encrypted file (decrypted in the editor)")];
}

function classifyVaults(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  const list = inv.argv.slice(1).map((w) => w.value);
  let out: Verdict[];
  switch (inv.program) {
    case "vault":
      out = vault(list);
      break;
    case "op":
      out = onePassword(list);
      break;
    case "doppler":
      out = doppler(list);
      break;
    case "heroku":
      out = heroku(list);
      break;
    case "pass":
    case "gopass":
      out = passwordStore(inv.program, list);
      break;
    case "bw":
      out = bitwarden(list);
      break;
    case "secret-tool":
      out = secretTool(list);
      break;
    case "security":
      out = macSecurity(list);
      break;
    case "sops":
      out = sops(list);
      break;
    default:
      out = [];
  }
  if (out === GENERIC) return classifyUnknown(inv, ctx, index);
  return out.map((f) => finding(f.risk, f.rule, f.reason, index));
}

export const vaultsPack: RulePack = {
  name: "vaults",
  programs: ["vault", "op", "doppler", "heroku", "pass", "gopass", "bw", "secret-tool", "security", "sops"],
  classify: classifyVaults,
};
