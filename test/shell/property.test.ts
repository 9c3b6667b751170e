// Property tests: analyze never throws, bounds become diagnostics, quoting does not change values, and wrapping a
// command in a wrapper, list, subshell or substitution never hides it.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { analyze } from "../../src/shell/index.ts";
import type { Analysis } from "../../src/types.ts";

const RUNS = 300;

/** Words that need no quoting: the base for quoting-equivalence. */
const safeWord = fc
  .stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.,:=+@%/-]{0,11}$/)
  .filter((w) => !w.includes("="));
const programName = fc
  .stringMatching(/^[a-z][a-z0-9_]{0,7}$/)
  .filter((w) => !KEYWORDS.has(w) && !WRAPPERS.has(w));
const KEYWORDS = new Set(
  "if then else elif fi case esac for select while until do done in function time coproc".split(" "),
);
// Names whose arguments are commands or code: wrapping them changes what the inner argv is.
const WRAPPERS = new Set(
  "sudo doas env timeout nice ionice nohup stdbuf setsid chroot command builtin exec flock watch strace ltrace unbuffer caffeinate taskset chrt nsenter unshare xargs find fd fdfind parallel su runuser ssh eval trap kubectl oc docker podman nerdctl busybox pkexec sh bash dash zsh ksh mksh lksh pdksh oksh ash yash posh rbash fish csh tcsh source alias shopt".split(
    " ",
  ),
);

const simpleCommand = fc.tuple(programName, fc.array(safeWord, { maxLength: 4 }));

const shellish = fc
  .array(
    fc.constantFrom(
      "a",
      "rm",
      "-rf",
      "/",
      " ",
      " ",
      ";",
      "&&",
      "||",
      "|",
      "&",
      "\n",
      "(",
      ")",
      "{",
      "}",
      "$(",
      "`",
      "'",
      '"',
      "\\",
      "$",
      "${",
      "<<",
      "EOF",
      "<(",
      ">",
      "<",
      "#",
      "if",
      "then",
      "fi",
      "for",
      "do",
      "done",
      "case",
      "esac",
      "in",
      "*",
      "~",
      "bash -c ",
      "eval ",
      "sudo ",
      "xargs ",
      "find . -exec ",
      " \\;",
      "=",
      "$'\\x",
      "((",
      "[[",
      "]]",
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(""));

function argvs(a: Analysis): string[] {
  return a.invocations.map((inv) => JSON.stringify(inv.argv.map((w) => w.value)));
}

describe("analyze never throws", () => {
  it("on arbitrary strings", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: "binary" }), (s) => {
        const a = analyze(s);
        expect(Array.isArray(a.invocations)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it("on shell-ish strings, and any parse failure is a diagnostic", () => {
    fc.assert(
      fc.property(shellish, (s) => {
        const a = analyze(s);
        for (const inv of a.invocations) {
          expect(inv.span[0]).toBeGreaterThanOrEqual(0);
          expect(inv.span[1]).toBeLessThanOrEqual(s.length);
          expect(inv.span[0]).toBeLessThanOrEqual(inv.span[1]);
          expect(inv.program === null).toBe(inv.argv[0]!.dynamic);
        }
        for (const n of a.notes)
          if (n.invocation !== undefined) expect(a.invocations[n.invocation]).toBeDefined();
      }),
      { numRuns: RUNS * 3 },
    );
  });
});

describe("bounds", () => {
  it("over-size input gives a size diagnostic", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.string({ minLength: 1, maxLength: 100 }),
        (limit, s) => {
          const long = s.repeat(Math.ceil((limit + 1) / s.length));
          const a = analyze(long, { maxLength: limit });
          expect(a.diagnostics.map((d) => d.kind)).toEqual(["size"]);
          expect(a.invocations).toEqual([]);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("over-deep nesting of any construct gives a depth diagnostic", () => {
    const wraps = fc.constantFrom<[string, string]>(
      // Spaces keep `$(` + `(` from reading as arithmetic `$((`, which bash does too.
      ["$( ", " )"],
      ["`", "`"],
      ["( ", " )"],
      ["{ ", "; }"],
      ["if true; then ", "; fi"],
      ["<( ", " )"],
      ["while ", "; do :; done"],
    );
    fc.assert(
      fc.property(fc.array(wraps, { minLength: 9, maxLength: 12 }), (layers) => {
        // Backticks cannot nest without escaping; keep at most one backtick layer.
        const seen = new Set<string>();
        const usable = layers.filter(([open]) => open !== "`" || (!seen.has(open) && seen.add(open)));
        let command = "rm -rf /";
        for (const [open, close] of usable) command = `${open}${command}${close}`;
        const a = analyze(command, { maxDepth: 4 });
        expect(a.diagnostics.map((d) => d.kind)).toContain("depth");
      }),
      { numRuns: 100 },
    );
  });
});

describe("quoting equivalence", () => {
  it("a safe word and its quoted variants resolve to the same value", () => {
    fc.assert(
      fc.property(safeWord, (w) => {
        const variants = [
          w,
          `'${w}'`,
          `"${w}"`,
          [...w].map((c) => `\\${c}`).join(""),
          `$'${w}'`,
          `'${w.slice(0, 1)}'${w.slice(1)}`,
          `"${w.slice(0, 1)}"'${w.slice(1)}'`,
        ];
        for (const v of variants) {
          const a = analyze(`printf ${v}`);
          expect(a.diagnostics).toEqual([]);
          expect(a.invocations[0]!.argv[1]).toMatchObject({ value: w, dynamic: false, text: v });
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("a quoted command name resolves to the same program", () => {
    fc.assert(
      fc.property(programName, (p) => {
        for (const v of [
          p,
          `'${p}'`,
          `"${p}"`,
          `\\${p}`,
          `/usr/bin/${p}`,
          `/usr/bin/../bin/${p}`,
          `./${p}`,
        ]) {
          expect(analyze(`${v} x`).invocations[0]!.program).toBe(p);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe("wrapping never hides a command", () => {
  const quote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;
  const wrappers: [string, (x: string) => string][] = [
    ["bash -c", (x) => `bash -c ${quote(x)}`],
    ["sh -c nested", (x) => `sh -c ${quote(`bash -c ${quote(x)}`)}`],
    ["sudo", (x) => `sudo ${x}`],
    ["sudo -u", (x) => `sudo -u root -- ${x}`],
    ["env", (x) => `env A=1 ${x}`],
    ["timeout", (x) => `timeout 5 ${x}`],
    ["nohup nice", (x) => `nohup nice -n 5 ${x}`],
    ["&&", (x) => `true && ${x}`],
    [";", (x) => `${x}; true`],
    ["|", (x) => `cat f | ${x}`],
    ["subshell", (x) => `(${x})`],
    ["group", (x) => `{ ${x}; }`],
    ["$()", (x) => `echo $(${x})`],
    ["backticks", (x) => `echo \`${x}\``],
    ["<()", (x) => `diff <(${x}) f`],
    ["if", (x) => `if ${x}; then :; fi`],
    ["for", (x) => `for i in 1; do ${x}; done`],
    ["function", (x) => `f() { ${x}; }`],
    ["eval", (x) => `eval ${quote(x)}`],
    ["here-doc", (x) => `bash <<'EOF'\n${x}\nEOF`],
    ["ssh", (x) => `ssh host ${quote(x)}`],
    ["xargs -I", (x) => `xargs -I{} ${x}`],
  ];

  for (const [name, wrap] of wrappers) {
    it(`${name}`, () => {
      fc.assert(
        fc.property(simpleCommand, ([p, args]) => {
          const x = [p, ...args].join(" ");
          const expected = JSON.stringify([p, ...args]);
          const a = analyze(wrap(x));
          expect(a.diagnostics).toEqual([]);
          expect(argvs(a)).toContain(expected);
        }),
        { numRuns: 60 },
      );
    });
  }
});
