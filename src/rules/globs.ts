// Can a glob the shell expands at run time match a path of some kind (a secret)? Pure: no directory is
// listed. The pattern is tried against representative names: a component that matches ordinary names
// (`*`, `*.md`) stands for "any file" and is tried with an ordinary name only, so `cat *` is not a secret
// read in the project; a component that matches only telling names (`.env*`, `id_*`, `cred*`) is tried
// with each of them. Directory components are tried with every candidate (`*/.env`, `~/.*/credentials`).

/** Names nobody keeps credentials under: a component matching one of these matches "anything". */
const ORDINARY = [
  "x",
  "x.txt",
  "x.md",
  "x.json",
  "x.js",
  "x.ts",
  "x.py",
  "x.go",
  "x.rs",
  "x.c",
  "x.yml",
  "x.yaml",
  "x.toml",
  "x.xml",
  "x.html",
  "x.csv",
  "x.log",
  "x.sh",
  "x.cfg",
  "x.conf",
  "x.ini",
  "x.lock",
  "x.d",
  ".x",
];

const MAX_COMBINATIONS = 512;

/** One path component's glob as a regex (bash rules: `*`, `?`, `[…]`; a leading dot must be matched literally). */
export function componentRegex(glob: string): RegExp {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === "*") out += "[^/]*";
    else if (ch === "?") out += "[^/]";
    else if (ch === "[") {
      const close = glob.indexOf("]", i + 2);
      if (close === -1) {
        out += "\\[";
        continue;
      }
      let body = glob.slice(i + 1, close);
      const negate = body.startsWith("!") || body.startsWith("^");
      if (negate) body = body.slice(1);
      out += `[${negate ? "^" : ""}${body.replace(/[\\\]]/g, "\\$&")}]`;
      i = close;
    } else out += ch.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  // `*`, `?` and `[…]` never match a leading dot (dotglob off).
  const lead = glob.startsWith(".") ? "" : "(?!\\.)";
  return new RegExp(`^${lead}${out}$`);
}

const GLOB = /[*?[]/;

/**
 * An example path matched by `pattern` (absolute, `/`-separated, glob characters unquoted) for which
 * `test` holds, or null. `names` are the telling names to try (basenames of the kind of path sought).
 */
export function globExample(
  pattern: string,
  names: readonly string[],
  test: (path: string) => boolean,
): string | null {
  const comps = pattern.split("/");
  const choices: string[][] = comps.map((c, i) => {
    if (!GLOB.test(c)) return [c];
    const re = componentRegex(c);
    const ordinary = ORDINARY.find((n) => re.test(n));
    const telling = names.filter((n) => re.test(n));
    const last = i === comps.length - 1;
    // A last component that matches ordinary names is "every file": only an ordinary name stands for it.
    if (last && ordinary !== undefined) return [ordinary];
    return ordinary === undefined ? telling : [ordinary, ...telling];
  });
  let count = 1;
  for (const c of choices) {
    if (c.length === 0) return null;
    count *= c.length;
  }
  if (count > MAX_COMBINATIONS) {
    // Too many to try: keep the first choice of every directory component (the last keeps all).
    for (let i = 0; i < choices.length - 1; i++) choices[i] = choices[i]!.slice(0, 1);
  }
  const walk = (i: number, prefix: string[]): string | null => {
    if (i === choices.length) {
      const path = prefix.join("/");
      return test(path) ? path : null;
    }
    for (const c of choices[i]!) {
      const hit = walk(i + 1, [...prefix, c]);
      if (hit !== null) return hit;
    }
    return null;
  };
  return walk(0, []);
}

/** `a{b,c}d` → [`abd`, `acd`] (nested and several groups too), at most `max` words; none when unbalanced. */
export function expandBraces(text: string, max = 64): string[] {
  const open = text.indexOf("{");
  if (open === -1) return [text];
  let depth = 0;
  const commas: number[] = [];
  let close = -1;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === "{") depth++;
    else if (ch === "}") {
      depth--;
      if (depth === 0) {
        close = i;
        break;
      }
    } else if (ch === "," && depth === 1) commas.push(i);
  }
  if (close === -1) return [text];
  const head = text.slice(0, open);
  const tail = text.slice(close + 1);
  if (commas.length === 0)
    return expandBraces(tail, max).map((t) => `${head}{${text.slice(open + 1, close)}}${t}`);
  const parts: string[] = [];
  let from = open + 1;
  for (const c of [...commas, close]) {
    parts.push(text.slice(from, c));
    from = c + 1;
  }
  const out: string[] = [];
  for (const p of parts)
    for (const e of expandBraces(`${head}${p}${tail}`, max)) {
      if (out.length >= max) return out;
      out.push(e);
    }
  return out;
}
