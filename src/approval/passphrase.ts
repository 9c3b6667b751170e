// Where a passphrase comes from: a file or descriptor named in the environment (automation), otherwise
// the controlling terminal with echo off. No terminal and no file is an error, never an empty passphrase.
import { closeSync, fstatSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { ReadStream } from "node:tty";
import { ApprovalError } from "./errors.ts";

export interface PassphraseOptions {
  env?: NodeJS.ProcessEnv;
  /** Ask twice on a terminal and insist they match (new passphrases). */
  confirm?: boolean;
  /** Environment variable naming the file (default WARDEN_PASSPHRASE_FILE; rotate's new one differs). */
  fileVar?: string;
  fdVar?: string;
}

function stripNewline(text: string): string {
  return text.replace(/\r?\n$/, "");
}

function fromFile(path: string, name: string): string {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (err) {
    throw new ApprovalError("passphrase", `${name}: cannot read ${path}: ${(err as Error).message}`);
  }
  // A passphrase others can read protects nothing: refuse rather than use it.
  if (st.isFile() && (st.mode & 0o077) !== 0)
    throw new ApprovalError("passphrase", `${name}: ${path} is readable by other users (chmod 600 it)`);
  const text = stripNewline(readFileSync(path, "utf8"));
  if (text.length === 0) throw new ApprovalError("passphrase", `${name}: ${path} is empty`);
  return text;
}

function fromFd(fd: number, name: string): string {
  try {
    fstatSync(fd);
  } catch {
    throw new ApprovalError("passphrase", `${name}: descriptor ${fd} is not open`);
  }
  const text = stripNewline(readFileSync(fd, "utf8"));
  if (text.length === 0)
    throw new ApprovalError("passphrase", `${name}: descriptor ${fd} gave an empty passphrase`);
  return text;
}

/** Whether a passphrase can be obtained without a terminal. */
export function passphraseFromEnvironment(options: PassphraseOptions = {}): string | null {
  const env = options.env ?? process.env;
  const fileVar = options.fileVar ?? "WARDEN_PASSPHRASE_FILE";
  const fdVar = options.fdVar ?? "WARDEN_PASSPHRASE_FD";
  const file = env[fileVar];
  if (file) return fromFile(file, fileVar);
  const fd = env[fdVar];
  if (fd) {
    if (!/^\d+$/.test(fd)) throw new ApprovalError("passphrase", `${fdVar} must be a file descriptor number`);
    return fromFd(Number(fd), fdVar);
  }
  return null;
}

export function hasTerminal(): boolean {
  try {
    closeSync(openSync("/dev/tty", "r+"));
    return true;
  } catch {
    return false;
  }
}

/** Reads a passphrase: environment file/fd first, else the terminal without echo. */
export async function readPassphrase(prompt: string, options: PassphraseOptions = {}): Promise<string> {
  const fromEnv = passphraseFromEnvironment(options);
  if (fromEnv !== null) return fromEnv;
  const first = await readFromTerminal(prompt);
  if (options.confirm) {
    const second = await readFromTerminal("Repeat the passphrase: ");
    if (first !== second) throw new ApprovalError("passphrase", "the passphrases do not match");
  }
  return first;
}

async function readFromTerminal(prompt: string): Promise<string> {
  let fd: number;
  try {
    fd = openSync("/dev/tty", "r+");
  } catch {
    throw new ApprovalError(
      "passphrase",
      "no terminal to ask for the passphrase on; set WARDEN_PASSPHRASE_FILE (a 0600 file) or WARDEN_PASSPHRASE_FD",
    );
  }
  const input = new ReadStream(fd);
  writeSync(fd, prompt);
  input.setRawMode(true);
  try {
    return await new Promise<string>((resolve, reject) => {
      let text = "";
      input.on("data", (chunk: Buffer) => {
        for (const ch of chunk.toString("utf8")) {
          if (ch === "\r" || ch === "\n") return resolve(text);
          if (ch === "\u0003") return reject(new ApprovalError("passphrase", "cancelled"));
          if (ch === "\u0004")
            return text ? resolve(text) : reject(new ApprovalError("passphrase", "cancelled"));
          if (ch === "\u007f" || ch === "\b") text = [...text].slice(0, -1).join("");
          else if (ch === "\u0015") text = "";
          else if (ch >= " ") text += ch;
        }
      });
      input.on("error", reject);
    });
  } finally {
    input.setRawMode(false);
    writeSync(fd, "\n");
    input.destroy();
  }
}
