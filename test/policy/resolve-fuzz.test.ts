// Path-shaped words never crash path resolution: any filesystem error while resolving (ENOTDIR under a
// file, ENAMETOOLONG, ELOOP, EACCES) means "does not exist", judged lexically, never an internal error.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { evaluate } from "../../src/index.ts";
import { resolvePhysical } from "../../src/policy/resolve.ts";

const ws = mkdtempSync(join(tmpdir(), "warden-resolve-fuzz-"));
writeFileSync(join(ws, "README.md"), "hi\n");
mkdirSync(join(ws, "src"));
symlinkSync("loop", join(ws, "loop")); // a link to itself: ELOOP when walked through
symlinkSync("README.md", join(ws, "readme-link"));
afterAll(() => rmSync(ws, { recursive: true, force: true }));

const component = fc.oneof(
  fc.constantFrom("README.md", "readme-link", "loop", "src", "..", ".", "", "a"),
  fc.string({ minLength: 1, maxLength: 20 }).map((s) => s.replaceAll("/", "_").replaceAll("\0", "")),
  fc.integer({ min: 200, max: 5000 }).map((n) => "x".repeat(n)),
);
const pathWord = fc
  .tuple(fc.boolean(), fc.array(component, { minLength: 1, maxLength: 6 }))
  .map(([abs, parts]) => (abs ? `${ws}/` : "") + parts.join("/"));

function sq(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}
const SHAPES = [
  (p: string) => `cat ${sq(p)}`,
  (p: string) => `rm -rf ${sq(p)}`,
  (p: string) => `echo x > ${sq(p)}`,
  (p: string) => `cp README.md ${sq(p)}`,
  (p: string) => `cd ${sq(p)} && rm x`,
  (p: string) => `git -C ${sq(p)} status`,
  (p: string) => `git commit -m ${sq(p)}`,
  (p: string) => `python3 -c ${sq(p)}`,
];
const command = fc.tuple(fc.constantFrom(...SHAPES), pathWord).map(([shape, p]) => shape(p));

describe("path resolution on hostile path words", () => {
  it("resolvePhysical never throws", () => {
    fc.assert(
      fc.property(pathWord, (p) => {
        expect(resolvePhysical(p, ws).startsWith("/")).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("the known crashers resolve lexically", () => {
    expect(resolvePhysical("README.md/foo", ws)).toBe(`${ws}/README.md/foo`);
    expect(resolvePhysical(`${"y".repeat(300)}/z`, ws)).toBe(`${ws}/${"y".repeat(300)}/z`);
    expect(resolvePhysical("loop/x", ws)).toMatch(/^\//);
  });

  it("evaluate never throws and always decides", () => {
    fc.assert(
      fc.property(command, (cmd) => {
        const { verdict } = evaluate({ kind: "command", command: cmd, cwd: ws, env: { HOME: ws } });
        expect(["allow", "ask", "deny"]).toContain(verdict.decision);
      }),
      { numRuns: 400 },
    );
  });

  it("check --batch answers every line, in order, even after odd ones", () => {
    const cmds = fc.sample(command, { numRuns: 120, seed: 7 });
    cmds.push("cat README.md/foo", `git commit -m '${"m".repeat(400)}'`, "ls");
    const input = cmds.map((c) => JSON.stringify({ command: c, cwd: ws })).join("\n");
    const cli = new URL("../../dist/warden.js", import.meta.url).pathname;
    const r = spawnSync(process.execPath, [cli, "check", "--batch", "--json"], {
      input,
      encoding: "utf8",
      env: { ...process.env, HOME: ws, WARDEN_CONFIG_DIR: ws },
      maxBuffer: 64 << 20,
    });
    expect(r.stderr).not.toMatch(/internal error|ENOTDIR|ENAMETOOLONG/i);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(cmds.length);
    expect(JSON.parse(lines.at(-3)!).decision).toBe("allow");
    expect(JSON.parse(lines.at(-1)!).decision).toBe("allow");
    expect(r.status).not.toBe(4);
  });
});
