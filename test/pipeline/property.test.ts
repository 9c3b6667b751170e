// Whole-pipeline properties: never throws, parse errors never allow, wrapping never lowers risk.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { riskRank } from "../../src/types.ts";
import { evaluateInCorpusContext, verdictCases } from "./corpus.ts";
import { peerCases } from "./peer.ts";

const commands = [
  ...new Set([...verdictCases().map((c) => c.command), ...peerCases().map((c) => c.command)]),
].filter((c) => c.trim() !== "" && !c.includes("\n"));

function singleQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

// Each wrapper runs X (or X's first command) where X would have run. `env`, `timeout` and `xargs` take a program,
// not shell syntax: `timeout 5 A=1 cmd` runs a program literally named `A=1`, so commands that start with an
// assignment or are not a plain command are left out for those two.
const PLAIN_COMMAND = /^(?![A-Za-z_][A-Za-z0-9_]*=)[^;&|(){}<>\n]*$/;
const WRAPPERS: [string, (x: string) => string, RegExp?][] = [
  ["bash -c", (x) => `bash -c ${singleQuote(x)}`],
  ["sh -c", (x) => `sh -c ${singleQuote(x)}`],
  ["sudo", (x) => `sudo ${x}`],
  ["env A=1", (x) => `env A=1 ${x}`, PLAIN_COMMAND],
  ["timeout 5", (x) => `timeout 5 ${x}`, PLAIN_COMMAND],
  ["xargs", (x) => `xargs ${x}`, PLAIN_COMMAND],
  // Spaces inside: for a command that starts with `(`, `$((…))` and `((…))` would be arithmetic (nothing runs;
  // bash and dash reject the text), not a command substitution or subshell.
  ["$(…)", (x) => `echo $( ${x} )`],
  ["true &&", (x) => `true && ${x}`],
  ["; true", (x) => `${x}; true`],
  ["echo |", (x) => `echo | ${x}`],
  ["subshell", (x) => `( ${x} )`],
  ["function", (x) => `f() { ${x}; }; f`],
  ["eval", (x) => `eval ${singleQuote(x)}`],
];

describe("pipeline properties", () => {
  it("never throws on arbitrary strings, and a parse error never yields allow", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: "binary", maxLength: 200 })),
        (s) => {
          const { verdict } = evaluateInCorpusContext(s);
          if (verdict.parse === "error") expect(verdict.decision).not.toBe("allow");
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("never throws on shell-ish strings built from metacharacters", () => {
    const token = fc.constantFrom(
      "rm",
      "-rf",
      "/",
      "'",
      '"',
      "$(",
      ")",
      "`",
      "|",
      "&&",
      ";",
      "<<EOF",
      "EOF",
      "\n",
      "{",
      "}",
      "(",
      "$x",
      "*",
      "\\",
      "bash -c",
      "eval",
      " ",
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 30 }), (tokens) => {
        const { verdict } = evaluateInCorpusContext(tokens.join(""));
        if (verdict.parse === "error") expect(verdict.decision).not.toBe("allow");
      }),
      { numRuns: 2000 },
    );
  });

  for (const [name, wrap, applies] of WRAPPERS) {
    const inputs = applies ? commands.filter((c) => applies.test(c)) : commands;
    it(`wrapping in ${name} never lowers the risk`, () => {
      fc.assert(
        fc.property(fc.constantFrom(...inputs), (x) => {
          const inner = evaluateInCorpusContext(x).verdict;
          const outer = evaluateInCorpusContext(wrap(x)).verdict;
          expect(
            riskRank(outer.risk),
            `${wrap(x)} (${outer.risk}) vs ${x} (${inner.risk})`,
          ).toBeGreaterThanOrEqual(riskRank(inner.risk));
        }),
        { numRuns: 300 },
      );
    });
  }
});
