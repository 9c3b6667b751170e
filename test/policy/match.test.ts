import { describe, expect, it } from "vitest";
import { compileGlob, expandBraces } from "../../src/policy/glob.ts";
import { compilePattern, invocationViews } from "../../src/policy/match.ts";
import { invocation } from "./helpers.ts";

function matches(spec: Parameters<typeof compilePattern>[0], cmd: string): boolean {
  const inv = invocation(cmd);
  const v = invocationViews(inv);
  return compilePattern(spec).test(inv, v.normalized, v.line);
}

describe("argv patterns", () => {
  it.each([
    ["git push --force*", "git push --force", true],
    ["git push --force*", "git push -f origin main", true],
    ["git push --force*", "git -C x push --force", true],
    ["git push --force*", "git push -fu origin main", true],
    ["git push --force*", "git push --force-with-lease", true],
    ["git push --force*", "git push origin main", false],
    ["git push --force*", "git pull --force", false],
    ["rm -rf *", "rm -fr /", true],
    ["rm -rf *", "rm --recursive --force x", true],
    ["rm -rf *", "rm -r x", false],
    ["kubectl delete --namespace=prod", "kubectl -n prod delete pod x", true],
    ["kubectl delete --namespace=prod", "kubectl -n dev delete pod x", false],
    ["ansible*", "ansible-playbook site.yml", true],
  ])("%s ~ %s → %s", (match, cmd, expected) => {
    expect(matches({ match }, cmd)).toBe(expected);
  });

  it("exact matches word for word", () => {
    expect(matches({ match: "git status", exact: true }, "git status")).toBe(true);
    expect(matches({ match: "git status", exact: true }, "git status --short")).toBe(false);
    expect(matches({ match: "git status", exact: true }, "git -c core.pager=x status")).toBe(false);
  });

  it("subcommand and regex", () => {
    expect(
      matches({ program: "kubectl", subcommand: "rollout restart" }, "kubectl -n x rollout restart deploy/y"),
    ).toBe(true);
    expect(matches({ program: "kubectl", subcommand: "rollout restart" }, "kubectl rollout status")).toBe(
      false,
    );
    expect(matches({ regex: "^curl .*\\.sh$" }, "curl -sL https://x/install.sh")).toBe(true);
  });

  it("rejects rules without a matcher and bad regexes", () => {
    expect(() => compilePattern({})).toThrow(/needs/);
    expect(() => compilePattern({ regex: "(" })).toThrow(/invalid regex/);
  });
});

describe("path globs", () => {
  it.each([
    ["/etc/**", "/etc", true],
    ["/etc/**", "/etc/a/b", true],
    ["/etc/**", "/etcetera", false],
    ["/a/**/b", "/a/b", true],
    ["/a/**/b", "/a/x/y/b", true],
    ["/a/*/b", "/a/x/y/b", false],
    ["*.pem", "/x/y/k.pem", true],
    [".env.*", "/p/.env.local", true],
    ["**/secrets/*", "/a/secrets/x", true],
    ["/proc/*/environ", "/proc/1/environ", true],
    ["/x/{a,b}/c", "/x/b/c", true],
    ["/x/[ab]", "/x/c", false],
    ["*", "/a/.env", true],
  ])("%s ~ %s → %s", (glob, path, expected) => {
    expect(compileGlob(glob).test(path)).toBe(expected);
  });
  it("expands nested braces", () => {
    expect(expandBraces("a{b,c{d,e}}f")).toEqual(["abf", "acdf", "acef"]);
  });
});
