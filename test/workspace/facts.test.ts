// Workspace facts from real git repositories and manifests: the index reader against every index format
// git writes, and the rules that treat the workspace's own code like `npm test`.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { evaluate } from "../../src/index.ts";
import { readIndexPaths } from "../../src/workspace/git-index.ts";
import { findGit, projectFacts } from "../../src/workspace/index.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.email=t@t", "-c", "user.name=t", ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_SYSTEM: "/dev/null" },
  });
}

/** A repository with the given files committed and the given ones only on disk. */
function repo(tracked: Record<string, string>, untracked: Record<string, string> = {}, init: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), "warden-ws-"));
  dirs.push(dir);
  git(dir, "init", "-q", ...init);
  for (const [path, text] of Object.entries({ ...tracked, ...untracked })) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  if (Object.keys(tracked).length > 0) {
    git(dir, "add", "--", ...Object.keys(tracked));
    git(dir, "commit", "-q", "-m", "init");
  }
  return dir;
}

const FILES = {
  "main.py": "print(1)\n",
  "scripts/build.sh": "echo build\n",
  "scripts/deploy.sh": "echo deploy\n",
  "tool/__main__.py": "print(2)\n",
  "dir with space/ünïcode.py": "print(3)\n",
  [`deep/${"d".repeat(120)}/${"e".repeat(120)}/x.py`]: "",
};

describe("git index reader", () => {
  for (const version of ["2", "3", "4"]) {
    it(`reads index version ${version} exactly as git ls-files does`, () => {
      const dir = repo(FILES, { "scratch.py": "" });
      if (version === "3") git(dir, "add", "-N", "--", "scratch.py"); // intent-to-add: extended flags
      git(dir, "update-index", "--index-version", version);
      const expected = git(dir, "ls-files", "-z").split("\0").filter(Boolean).sort();
      const paths = readIndexPaths(join(dir, ".git/index"));
      expect([...(paths ?? [])].sort()).toEqual(expected);
    });
  }

  it("reads a SHA-256 repository", () => {
    const dir = repo({ "a.py": "", "b/c.sh": "" }, {}, ["--object-format=sha256"]);
    const facts = projectFacts(dir);
    expect(facts.tracks(join(dir, "b/c.sh"))).toBe(true);
    expect(facts.tracks(join(dir, "zzz"))).toBe(false);
  });

  it("garbage, truncation and missing files are unknown, never a crash", () => {
    const dir = repo(FILES);
    const good = readIndexPaths(join(dir, ".git/index"));
    expect(good?.size).toBe(Object.keys(FILES).length);
    const bad = join(dir, "bad-index");
    writeFileSync(bad, "DIRC\0\0\0\x02\0\0\0\x09short");
    expect(readIndexPaths(bad)).toBeNull();
    writeFileSync(bad, "not an index at all");
    expect(readIndexPaths(bad)).toBeNull();
    expect(readIndexPaths(join(dir, "nope"))).toBeNull();
  });

  it("finds the repository from a subdirectory and through a worktree's .git file", () => {
    const dir = repo(FILES);
    expect(findGit(join(dir, "scripts"))?.workTree).toBe(dir);
    const wt = join(dir, "..", `${dir.split("/").pop()}-wt`);
    dirs.push(wt);
    git(dir, "worktree", "add", "-q", wt);
    const facts = projectFacts(wt);
    expect(facts.tracks(join(wt, "main.py"))).toBe(true);
  });
});

describe("project facts", () => {
  it("tracked files inside the workspace count; untracked, outside or linked-out ones do not", () => {
    const dir = repo(FILES, { "scratch.py": "" });
    const outside = mkdtempSync(join(tmpdir(), "warden-ws-out-"));
    dirs.push(outside);
    writeFileSync(join(outside, "evil.sh"), "");
    symlinkSync(join(outside, "evil.sh"), join(dir, "link.sh"));
    git(dir, "add", "link.sh");
    const facts = projectFacts(dir);
    expect(facts.tracks(join(dir, "main.py"))).toBe(true);
    expect(facts.tracks(join(dir, "scratch.py"))).toBe(false);
    expect(facts.tracks(join(dir, "link.sh"))).toBe(false); // tracked link, target outside the workspace
    expect(facts.tracks(join(outside, "evil.sh"))).toBe(false);
    // A workspace below the repository root: files above it are not the workspace's.
    expect(projectFacts(join(dir, "scripts")).tracks(join(dir, "main.py"))).toBe(false);
  });

  it("reads bins and dependencies from package.json and pyproject.toml, ignores broken ones", () => {
    const dir = repo({
      "package.json": JSON.stringify({ name: "@me/cli", bin: "cli.js", devDependencies: { vitest: "1" } }),
      "pyproject.toml":
        '[project]\nname = "bm"\ndependencies = ["Ruff>=0.6", "click"]\n[project.scripts]\nbookminder = "bm.cli:main"\n[dependency-groups]\ndev = ["pytest>=7"]\n',
    });
    const facts = projectFacts(dir);
    expect(facts.declaresBin("cli")).toBe(true);
    expect(facts.declaresBin("bookminder")).toBe(true);
    expect(facts.declaresBin("rm")).toBe(false);
    expect(facts.declaresDependency("vitest")).toBe(true);
    expect(facts.declaresDependency("ruff")).toBe(true);
    expect(facts.declaresDependency("pytest")).toBe(true);
    const broken = repo({ "package.json": "{", "pyproject.toml": "[[[" });
    expect(projectFacts(broken).declaresBin("x")).toBe(false);
  });
});

describe("running the workspace's own code", () => {
  const dir = repo(
    {
      ...FILES,
      "pyproject.toml":
        '[project]\nname="t"\ndependencies=["requests"]\n[project.scripts]\nmytool = "t:main"\n',
    },
    { "scratch.py": "", "new.sh": "" },
  );
  const decide = (command: string) =>
    evaluate({ kind: "command", command, cwd: dir, env: { HOME: "/nonexistent-home" } }).verdict;

  it.each([
    "python main.py",
    "python3 -u main.py --verbose",
    "./scripts/build.sh",
    "bash -x scripts/build.sh",
    "sh ./scripts/build.sh arg",
    "python -m tool",
    `python "dir with space/ünïcode.py"`,
    "mytool list recent",
    "pip install requests",
  ])("%s is allowed", (command) => {
    const v = decide(command);
    expect(v.decision, v.findings.map((f) => f.rule).join()).toBe("allow");
  });

  it.each([
    ["python scratch.py", "untracked"],
    ["./new.sh", "untracked"],
    ["./scripts/deploy.sh", "its name says deploy"],
    ["echo 'rm -rf ~' > scripts/x.sh && bash scripts/x.sh", "written in the same command"],
    ["python /tmp/main.py", "outside the workspace"],
    ["python -m notours", "not the workspace's module"],
    ["othertool run", "not declared"],
    ["pip install requests flask", "flask is not declared"],
    ["pip install --user requests", "user-wide install"],
  ])("%s still asks (%s)", (command) => {
    expect(decide(command).decision).not.toBe("allow");
  });

  it("the reason says it is the project's own code", () => {
    const v = decide("./scripts/build.sh");
    expect(v.findings.map((f) => f.rule)).toContain("workspace.own-code");
    expect(v.findings.find((f) => f.rule === "workspace.own-code")?.reason).toContain("own code");
  });
});
