// Secret paths: a built-in list users extend (`secrets.paths`). Reading one by any program, or through an
// agent's file tool, gets the same decision. `.npmrc` counts only when it holds a token.
import { readFileSync } from "node:fs";
import { expandBraces, globExample } from "../rules/globs.ts";
import { absolutePattern, compileGlob, type PathGlob } from "./glob.ts";

export const BUILTIN_SECRET_PATHS: readonly string[] = [
  ".env",
  ".env.*",
  ".envrc",
  "*.env",
  "~/.ssh/**",
  "~/.aws/**",
  "~/.config/gcloud/**",
  "~/.azure/**",
  "~/.kube/config",
  "~/.docker/config.json",
  "~/.gnupg/**",
  "~/.password-store/**",
  "~/.config/gh/hosts.yml",
  "*.pem",
  "*.key",
  "*.p12",
  "*.pfx",
  "id_rsa*",
  "id_ed25519*",
  "id_ecdsa*",
  "id_dsa*",
  "/proc/*/environ",
  ".netrc",
  "_netrc",
  ".pgpass",
  ".git-credentials",
  ".npmrc",
  ".pypirc",
  "credentials.json",
  "secrets.{yml,yaml,json}",
  "*.tfstate",
  "*.tfstate.backup",
];

export const BUILTIN_SECRET_EXCEPTIONS: readonly string[] = [
  "*.example",
  "*.sample",
  "*.template",
  "*.dist",
  "*.pub",
  "known_hosts",
];

export interface SecretMatcher {
  /** The pattern that makes `path` (absolute, resolved) a secret, or null. */
  match(path: string): string | null;
  /**
   * For a glob the shell expands at run time (absolute, e.g. `/w/.env*`): the secret pattern one of its
   * matches would hit and an example path, or null. A glob that matches any file (`*`) only counts where
   * every file is a secret (`~/.ssh/*`).
   */
  matchGlob(pattern: string): { secret: string; example: string } | null;
}

/** Literal names of the secret patterns' components (`.env.*` → `.env.x`), tried against a run-time glob. */
function candidateNames(patterns: readonly string[]): string[] {
  const names = new Set<string>();
  for (const p of patterns)
    for (const alt of expandBraces(p, 16))
      for (const comp of alt.split("/")) {
        if (comp === "" || comp === "**" || comp === "~") continue;
        names.add(comp.replace(/\*+|\?/g, "x").replace(/\[[^\]]*\]/g, "x"));
      }
  return [...names];
}

export function compileSecrets(
  extra: readonly string[],
  except: readonly string[],
  home: string,
  workspace: string,
): SecretMatcher {
  const compile = (list: readonly string[]) =>
    list.map((p) => compileGlob(absolutePattern(p, home, workspace)));
  const secrets: PathGlob[] = compile([...BUILTIN_SECRET_PATHS, ...extra]);
  const exceptions: PathGlob[] = compile([...BUILTIN_SECRET_EXCEPTIONS, ...except]);
  // One combined regex answers the common "not a secret" case in a single test.
  const any = new RegExp(secrets.map((g) => `(?:${g.regex.source})`).join("|"));
  const names = candidateNames([...BUILTIN_SECRET_PATHS, ...extra]);
  const match = (path: string): string | null => {
    if (!any.test(path)) return null;
    const hit = secrets.find((g) => g.test(path));
    if (!hit) return null;
    if (exceptions.some((g) => g.test(path))) return null;
    if (hit.source === ".npmrc" && !npmrcHasToken(path)) return null;
    return hit.source;
  };
  return {
    match,
    matchGlob(pattern) {
      let secret: string | null = null;
      const example = globExample(pattern, names, (p) => {
        secret = match(p);
        return secret !== null;
      });
      return example === null || secret === null ? null : { secret, example };
    },
  };
}

/** An .npmrc is a secret when it carries credentials; one that cannot be read is assumed to. */
function npmrcHasToken(path: string): boolean {
  try {
    return /(_authToken|_auth|_password|\/\/[^\n]*:_)/.test(readFileSync(path, "utf8"));
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== "ENOENT";
  }
}
