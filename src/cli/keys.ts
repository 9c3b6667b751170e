// `warden keys init|show|rotate`: the approver's passphrase-protected Ed25519 key.
import {
  ApprovalError,
  agentInfo,
  agentLock,
  defaultKeyName,
  fingerprint,
  initKey,
  keyPath,
  listKeyNames,
  type ProtectedKeyFile,
  parsePublicKey,
  readKeyFile,
  readPassphrase,
  rotateKey,
} from "../approval/index.ts";
import { parseCli } from "./args.ts";
import { CliError, EXIT } from "./errors.ts";

const HELP = `usage: warden keys init [--name NAME] [--json]
       warden keys show [--name NAME] [--json]
       warden keys rotate [--name NAME] [--json]

init    generate an Ed25519 approver key; the private key is stored encrypted with a passphrase
        (scrypt + AES-256-GCM, mode 0600). Add the printed public key to the policy's approvers: list.
show    print the public key, fingerprint and whether the key is unlocked
rotate  replace the key with a new one (asks for the current passphrase, then the new one)

The passphrase is read from the terminal without echo, or from the file named by
WARDEN_PASSPHRASE_FILE (mode 0600) or the descriptor in WARDEN_PASSPHRASE_FD. For rotate, the new
passphrase comes from WARDEN_NEW_PASSPHRASE_FILE / WARDEN_NEW_PASSPHRASE_FD (default: unchanged).`;

export function cliError(err: unknown): never {
  if (err instanceof ApprovalError)
    throw new CliError(err.message, err.code === "io" ? EXIT.internal : EXIT.usage);
  throw err;
}

function describe(file: ProtectedKeyFile) {
  return {
    name: file.name,
    publicKey: file.publicKey,
    fingerprint: fingerprint(parsePublicKey(file.publicKey)),
    created: file.created,
    kdf: { name: file.kdf.name, N: file.kdf.N, r: file.kdf.r, p: file.kdf.p },
  };
}

function policySnippet(file: ProtectedKeyFile): string {
  return `approvers:\n  ${file.name}: ${file.publicKey}\n`;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h") {
    process.stdout.write(`${HELP}\n`);
    return sub === undefined ? EXIT.usage : 0;
  }
  const { values } = parseCli(
    `keys ${sub}`,
    rest,
    { name: { type: "string" }, json: { type: "boolean" } },
    false,
  );
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  try {
    switch (sub) {
      case "init":
        return await init(values.name, Boolean(values.json));
      case "show":
        return await show(values.name, Boolean(values.json));
      case "rotate":
        return await rotate(values.name, Boolean(values.json));
      default:
        throw new CliError(`unknown keys command '${sub}' (init, show, rotate)`);
    }
  } catch (err) {
    cliError(err);
  }
}

async function init(nameArg: string | undefined, json: boolean): Promise<number> {
  const name = nameArg ?? process.env.USER ?? process.env.LOGNAME ?? "default";
  if (listKeyNames().includes(name))
    throw new CliError(`a key named '${name}' already exists (${keyPath(name)}); use \`warden keys rotate\``);
  const passphrase = await readPassphrase(`New passphrase for key '${name}': `, { confirm: true });
  const file = initKey(name, passphrase);
  if (json) process.stdout.write(`${JSON.stringify({ ...describe(file), file: keyPath(name) })}\n`);
  else {
    process.stdout.write(
      `Created key '${name}' (${keyPath(name)}, encrypted, mode 0600).\n` +
        `Public key: ${file.publicKey}\nFingerprint: ${describe(file).fingerprint}\n\n` +
        `Add it to your policy so its approvals count:\n\n${policySnippet(file)}`,
    );
  }
  return 0;
}

async function show(nameArg: string | undefined, json: boolean): Promise<number> {
  const names = nameArg ? [nameArg] : listKeyNames();
  if (names.length === 0) throw new CliError("no approver keys yet (create one with `warden keys init`)");
  const out = [];
  for (const name of names) {
    const file = readKeyFile(name);
    const agent = await agentInfo(name);
    out.push({
      ...describe(file),
      file: keyPath(name),
      unlocked: agent !== null && agent.publicKey === file.publicKey,
      ...(agent ? { agent: { pid: agent.pid, expires: new Date(agent.expires).toISOString() } } : {}),
    });
  }
  if (json) process.stdout.write(`${JSON.stringify(nameArg ? out[0] : out)}\n`);
  else
    for (const k of out)
      process.stdout.write(
        `${k.name}\n  public key:  ${k.publicKey}\n  fingerprint: ${k.fingerprint}\n  created:     ${k.created}\n` +
          `  file:        ${k.file}\n  status:      ${k.unlocked ? `unlocked until ${k.agent?.expires} (agent pid ${k.agent?.pid})` : "locked"}\n`,
      );
  return 0;
}

async function rotate(nameArg: string | undefined, json: boolean): Promise<number> {
  const name = nameArg ?? defaultKeyName();
  readKeyFile(name);
  const passphrase = await readPassphrase(`Current passphrase for key '${name}': `);
  const newPassphrase = await newPassphraseFor(name, passphrase);
  const { previous, current } = rotateKey(name, passphrase, { newPassphrase });
  // An agent still holding the old key would sign approvals the policy is about to stop accepting.
  await agentLock(name);
  if (json)
    process.stdout.write(`${JSON.stringify({ previous: describe(previous), current: describe(current) })}\n`);
  else
    process.stdout.write(
      `Rotated key '${name}'.\nOld public key: ${previous.publicKey}\nNew public key: ${current.publicKey}\n\n` +
        `Replace the old key in your policy's approvers: list:\n\n${policySnippet(current)}`,
    );
  return 0;
}

async function newPassphraseFor(name: string, current: string): Promise<string> {
  const env = process.env;
  if (env.WARDEN_NEW_PASSPHRASE_FILE || env.WARDEN_NEW_PASSPHRASE_FD)
    return readPassphrase("", { fileVar: "WARDEN_NEW_PASSPHRASE_FILE", fdVar: "WARDEN_NEW_PASSPHRASE_FD" });
  if (env.WARDEN_PASSPHRASE_FILE || env.WARDEN_PASSPHRASE_FD) return current;
  const next = await readPassphrase(
    `New passphrase for key '${name}' (Enter twice keeps the current one): `,
    {
      fileVar: "WARDEN_NEW_PASSPHRASE_FILE",
      fdVar: "WARDEN_NEW_PASSPHRASE_FD",
      confirm: true,
    },
  );
  return next === "" ? current : next;
}
