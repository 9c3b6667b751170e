// Path globs for policy entries: `**` spans zero or more directories, `*`/`?`/`[…]` stay inside one
// segment (and match dotfiles: a secret called `.env` must not slip past `*`), `{a,b}` alternates.
// A pattern without a slash matches a basename anywhere (gitignore style).

export interface PathGlob {
  source: string;
  /** Anchored form: absolute, `~/…` or relative to the workspace; false for basename patterns. */
  anchored: boolean;
  /** Literal characters before the first wildcard: more literal text means a more specific entry. */
  literalLength: number;
  regex: RegExp;
  test(path: string): boolean;
}

/** Expands `{a,b}` alternatives (nested allowed); an unbalanced brace is taken literally. */
export function expandBraces(pattern: string): string[] {
  const open = pattern.indexOf("{");
  if (open === -1) return [pattern];
  let depth = 0;
  const commas: number[] = [];
  for (let i = open; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === "\\") {
      i++;
      continue;
    }
    if (ch === "{") depth++;
    else if (ch === "}") {
      depth--;
      if (depth === 0) {
        if (commas.length === 0) break;
        const head = pattern.slice(0, open);
        const tail = pattern.slice(i + 1);
        const parts: string[] = [];
        let start = open + 1;
        for (const c of [...commas, i]) {
          parts.push(pattern.slice(start, c));
          start = c + 1;
        }
        return parts.flatMap((p) => expandBraces(head + p + tail));
      }
    } else if (ch === "," && depth === 1) commas.push(i);
  }
  return [pattern];
}

function segmentToRegex(glob: string): string {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === "\\" && i + 1 < glob.length) {
      out += escapeRegex(glob[++i]!);
    } else if (ch === "*") {
      out += "[^/]*";
    } else if (ch === "?") {
      out += "[^/]";
    } else if (ch === "[") {
      const close = glob.indexOf("]", i + 2);
      if (close === -1) out += "\\[";
      else {
        let body = glob.slice(i + 1, close);
        if (body.startsWith("!")) body = `^${body.slice(1)}`;
        out += `[${body.replace(/\\/g, "\\\\")}]`;
        i = close;
      }
    } else out += escapeRegex(ch);
  }
  return out;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** Regex source for a slash-separated glob (no braces). */
function globToRegex(glob: string): string {
  const segments = glob.split("/");
  let out = "";
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const last = i === segments.length - 1;
    if (seg === "**") {
      // `a/**/b` matches a/b; a trailing `/**` also matches the directory itself.
      if (last) out += i === 0 ? ".*" : "(?:/.*)?";
      else out += i === 0 ? "(?:[^/]+/)*" : "(?:/[^/]+)*/";
      continue;
    }
    if (i > 0 && segments[i - 1] !== "**") out += "/";
    out += segmentToRegex(seg);
  }
  return out;
}

function literalPrefixLength(pattern: string): number {
  const m = /[*?[{]/.exec(pattern);
  return m ? m.index : pattern.length;
}

/**
 * Compiles a glob whose anchored forms have already been made absolute by the caller (`~` and
 * workspace-relative patterns are resolved in `compilePathPattern`).
 */
export function compileGlob(pattern: string): PathGlob {
  // Absolute patterns anchor at `/`; anything else (`*.pem`, `**/secrets/*`) matches a path suffix.
  const anchored = pattern.startsWith("/");
  const alternatives = expandBraces(pattern).map((p) => {
    let body = p.length > 1 && p.endsWith("/") ? p.slice(0, -1) : p;
    while (!anchored && body.startsWith("**/")) body = body.slice(3);
    return globToRegex(body);
  });
  const source = alternatives.length === 1 ? alternatives[0]! : `(?:${alternatives.join("|")})`;
  const re = new RegExp(anchored ? `^${source}$` : `(?:^|/)${source}$`);
  return {
    source: pattern,
    anchored,
    literalLength: literalPrefixLength(pattern),
    regex: re,
    test: (path) => re.test(path),
  };
}

/**
 * Resolves a policy path pattern to an absolute glob: `~/x` and `$HOME/x` under home, `./x` or
 * `a/b` under the workspace, bare names (`*.pem`) match basenames anywhere.
 */
export function absolutePattern(pattern: string, home: string, workspace: string): string {
  if (pattern === "~" || pattern === "$HOME") return home;
  if (pattern.startsWith("~/")) return joinPattern(home, pattern.slice(2));
  if (pattern.startsWith("$HOME/")) return joinPattern(home, pattern.slice(6));
  if (pattern.startsWith("/")) return pattern;
  if (pattern === "." || pattern === "./") return workspace;
  if (pattern.startsWith("./")) return joinPattern(workspace, pattern.slice(2));
  if (pattern.startsWith("**/")) return pattern;
  if (pattern.includes("/")) return joinPattern(workspace, pattern);
  return pattern;
}

function joinPattern(base: string, rest: string): string {
  return base.endsWith("/") ? base + rest : `${base}/${rest}`;
}
