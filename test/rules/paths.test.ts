import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expandWord, judgeDelete, judgeWrite, normalize, resolveTarget } from "../../src/rules/paths.ts";
import { context, HOME, WS, word } from "./helpers.ts";

const ctx = context();
const del = (text: string, recursive = true) => judgeDelete(resolveTarget(word(text), ctx), ctx, recursive);
const write = (text: string) => judgeWrite(resolveTarget(word(text), ctx), ctx);

describe("expanding path words", () => {
  it("expands ~, $HOME, braced $HOME and quoted $HOME to the home directory", () => {
    const braced = ["$", "{HOME}"].join("");
    for (const t of ["~", "$HOME", braced, '"$HOME"', "~/"]) {
      const r = resolveTarget(word(t), ctx);
      expect(r, t).toMatchObject({ kind: "path", path: HOME });
    }
  });

  it("keeps a directory literally named ~ inside the project apart from home", () => {
    expect(resolveTarget(word("./~"), ctx)).toMatchObject({ kind: "path", path: `${WS}/~` });
    expect(resolveTarget(word("'~'"), ctx)).toMatchObject({ kind: "path", path: `${WS}/~` });
  });

  it("treats unset variables, ~user and command substitution as unknown", () => {
    for (const t of ["$DIR", "~bob/x", "`pwd`/x", "$(pwd)/x", '"$TMPDIR/x"']) {
      expect(resolveTarget(word(t), ctx).kind, t).toBe("dynamic");
    }
  });

  it("uses variables the request's environment sets", () => {
    const c = context({ env: { HOME, TMPDIR: "/tmp/agent" } });
    expect(resolveTarget(word("$TMPDIR/x"), c)).toMatchObject({ kind: "path", path: "/tmp/agent/x" });
  });

  it("reports a glob by its literal directory and whether it filters", () => {
    expect(resolveTarget(word("dist/*"), ctx)).toMatchObject({
      path: `${WS}/dist`,
      glob: true,
      filtered: false,
    });
    expect(resolveTarget(word("*.log"), ctx)).toMatchObject({ path: WS, glob: true, filtered: true });
    expect(resolveTarget(word("/*"), ctx)).toMatchObject({ path: "/", glob: true });
  });

  it("normalises .. lexically", () => {
    expect(normalize("/tmp/../etc", "/")).toBe("/etc");
    expect(normalize("..", WS)).toBe(HOME);
    expect(expandWord(word("'a b'"), ctx)).toEqual({ known: true, value: "a b", glob: false });
  });
});

describe("judging deletes", () => {
  it.each([
    ["/", "critical"],
    ["~", "critical"],
    ["..", "critical"],
    ["/etc", "critical"],
    ["/var/lib/x", "critical"],
    ["~/Documents", "critical"],
    ["/home/bob", "critical"],
    [".", "high"],
    ["*", "high"],
    ["$X", "high"],
    ["/opt2/data/x", "high"],
    ["src", "medium"],
    [".git", "high"],
    ["/tmp", "medium"],
    ["/tmp/build", "low"],
    ["node_modules", "low"],
    ["a/b/__pycache__/c", "low"],
    ["dist/*", "low"],
  ])("recursive delete of %s is %s", (t, risk) => {
    expect(del(t).risk).toBe(risk);
  });

  it("any path below a disposable directory in the project is a low delete", () => {
    const seg = fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/);
    fc.assert(
      fc.property(
        fc.array(seg, { maxLength: 3 }),
        fc.constantFrom("node_modules", "dist", "build", "target", ".next", "coverage"),
        fc.array(seg, { maxLength: 3 }),
        (pre, d, post) => {
          const p = [...pre, d, ...post].join("/");
          expect(del(p).risk).toBe("low");
        },
      ),
      { numRuns: 200 },
    );
  });

  it("anything under a system directory is critical, whatever follows", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("/etc", "/usr", "/bin", "/boot", "/lib", "/var"),
        fc.stringMatching(/^[a-z0-9]{1,6}$/),
        (dir, rest) => {
          expect(del(`${dir}/${rest}`).risk).toBe("critical");
        },
      ),
      { numRuns: 100 },
    );
  });

  it("a workspace inside a system directory still allows ordinary deletes there", () => {
    const c = context({ cwd: "/srv/app", workspace: "/srv/app" });
    expect(judgeDelete(resolveTarget(word("node_modules"), c), c, true).risk).toBe("low");
    expect(judgeDelete(resolveTarget(word("/srv"), c), c, true).risk).toBe("critical");
  });
});

describe("judging writes", () => {
  it.each([
    ["/dev/sda", "critical"],
    ["/dev/nvme0n1p1", "critical"],
    ["/dev/null", "low"],
    ["/dev/stderr", "low"],
    ["/etc/passwd", "critical"],
    ["~/.ssh/authorized_keys", "critical"],
    ["~/.bashrc", "high"],
    ["~/notes.txt", "high"],
    [".git/hooks/pre-commit", "high"],
    ["out.txt", "low"],
    ["/tmp/x", "low"],
    ["$OUT", "medium"],
    ["/", "critical"],
  ])("writing %s is %s", (t, risk) => {
    expect(write(t).risk).toBe(risk);
  });
});
