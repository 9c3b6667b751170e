// Finds the approver's key for a decision: the running unlock agent, else (when a passphrase can be had
// from the environment or a terminal) the key file unlocked for this one signature. Otherwise locked.
import { agentInfo, agentSign } from "./agent.ts";
import type { Signer } from "./decide.ts";
import { ApprovalError } from "./errors.ts";
import { readKeyFile, unlockKey } from "./keys.ts";
import { hasTerminal, passphraseFromEnvironment, readPassphrase } from "./passphrase.ts";

export async function resolveSigner(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Signer & { via: "agent" | "passphrase" }> {
  const file = readKeyFile(name, env);
  const info = await agentInfo(name, env);
  if (info) {
    if (info.publicKey !== file.publicKey)
      throw new ApprovalError(
        "agent",
        `the unlock agent for '${name}' holds another key (rotated?); run \`warden lock\` and \`warden unlock\``,
      );
    return { name, publicKey: info.publicKey, sign: (data) => agentSign(name, data, env), via: "agent" };
  }
  if (passphraseFromEnvironment({ env }) === null && !hasTerminal())
    throw new ApprovalError("locked", `key '${name}' is locked: run \`warden unlock\` first`);
  const passphrase = await readPassphrase(`Passphrase for key '${name}': `, { env });
  const key = unlockKey(name, passphrase, env);
  return { name, publicKey: key.publicKey, sign: (data) => key.sign(data), via: "passphrase" };
}
