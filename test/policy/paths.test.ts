import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileGlob } from "../../src/policy/glob.ts";
import { analysisEffects } from "../../src/policy/paths.ts";
import { resolvePhysical, staticPath } from "../../src/policy/resolve.ts";
import { analysis, decideIn, findings, layer, policy, tempDir, word } from "./helpers.ts";

const builtin = policy();

function effects(...cmds: Parameters<typeof analysis>) {
  return analysisEffects(analysis(...cmds)).map(
    (e) => `${e.op} ${e.word.value}${e.base ? ` @${e.base}` : ""}`,
  );
}

describe("which paths an invocation touches", () => {
  it.each([
    ["rm -rf a b", ["delete a", "delete b"]],
    ["mv a b", ["read a", "delete a", "write b"]],
    ["cp -r a b dest", ["read a", "read b", "write dest"]],
    ["cp -t dest a", ["read a", "write dest"]],
    ["ln -s /etc link", ["write link"]],
    ["touch x", ["write x"]],
    ["mkdir -p -m 755 d", ["write d"]],
    ["chmod 600 f", ["write f"]],
    ["chown root:root f", ["write f"]],
    ["truncate -s 0 f", ["write f"]],
    ["dd if=disk.img of=/dev/sda", ["read disk.img", "write /dev/sda"]],
    ["tee -a log", ["write log"]],
    ["sed -i s/a/b/ f", ["write f"]],
    ["sed -n -e p f", ["read f"]],
    ["install -m 755 bin /usr/local/bin/x", ["write /usr/local/bin/x"]],
    ["rsync -a --delete src/ /backup", ["write /backup", "delete /backup", "read src/"]],
    ["rsync -a src host:/x", []],
    ["find /var/log -name *.gz -delete", ["delete /var/log/…"]],
    ["find . -exec rm {} ;", ["write ./…"]],
    ["git -C /srv/repo status", ["read /srv/repo"]],
    ["git -C /srv/repo reset --hard", ["write /srv/repo"]],
    ["cat .env", ["read .env"]],
    ["python3 scripts/x.py", ["read scripts/x.py"]],
  ])("%s", (cmd, expected) => {
    expect(effects(cmd)).toEqual(expected);
  });

  it("redirections write (and read), descriptors and /dev/null do not count", () => {
    expect(
      effects({
        cmd: "echo hi",
        redirects: [
          [">", "out"],
          ["2>&1", "1"],
          [">>", "/dev/null"],
          ["<", "in"],
        ],
      }),
    ).toEqual(["write out", "read in"]);
  });

  it("cd moves the base of later relative paths in the same list", () => {
    expect(effects("cd /etc", "rm hosts")).toEqual(["delete hosts @/etc"]);
    expect(effects("cd sub", "cd deeper", "touch x")).toEqual(["write x @sub/deeper"]);
  });
});

describe("resolving paths", () => {
  it("expands ~ and $HOME from the request, fails closed on other expansions", () => {
    expect(staticPath(word("~/.ssh/id"), "/h")).toEqual({ kind: "path", path: "/h/.ssh/id" });
    expect(staticPath(word("$HOME/x"), "/h")).toEqual({ kind: "path", path: "/h/x" });
    expect(staticPath({ value: "", text: ['"$', '{HOME}"/x'].join(""), dynamic: true }, "/h")).toEqual({
      kind: "path",
      path: "/h/x",
    });
    expect(staticPath(word("$TARGET/x"), "/h").kind).toBe("dynamic");
    expect(staticPath(word("~root/x"), "/h").kind).toBe("dynamic");
    expect(staticPath(word("/etc/*.conf"), "/h")).toEqual({ kind: "glob", path: "/etc" });
  });

  it("walks .. and symlinks physically", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "ws"));
    symlinkSync("/etc", join(dir, "ws", "link"));
    expect(resolvePhysical("link/passwd", join(dir, "ws"))).toBe("/etc/passwd");
    expect(resolvePhysical("../ws/./link/../x", join(dir, "ws"))).toBe("/x");
    expect(resolvePhysical("new/../file", join(dir, "ws"))).toBe(join(dir, "ws", "file"));
  });
});

describe("path permissions", () => {
  it("the workspace is full control; outside is read; system paths are read-only", () => {
    expect(decideIn(builtin, analysis("rm -rf build"), findings("low")).decision).toBe("allow");
    expect(decideIn(builtin, analysis("cat /etc/hosts"), findings("low")).decision).toBe("allow");
    const v = decideIn(
      builtin,
      analysis({ cmd: "echo x", redirects: [[">", "/etc/hosts"]] }),
      findings("low"),
    );
    expect(v.decision).toBe("ask");
    expect(v.reasons[0]).toMatch(/write \/etc\/hosts .*not permitted by \/etc \(read/);
    expect(decideIn(builtin, analysis("touch /home/other/x"), findings("low")).decision).toBe("ask");
    expect(decideIn(builtin, analysis("touch /tmp/x"), findings("low")).decision).toBe("allow");
  });

  it("~ and .. are normalised before the check", () => {
    expect(decideIn(builtin, analysis("touch ~/.bashrc"), findings("low")).decision).toBe("ask");
    expect(decideIn(builtin, analysis("rm ../../other/file"), findings("low")).decision).toBe("ask");
    expect(decideIn(builtin, analysis("rm sub/../file"), findings("low")).decision).toBe("allow");
  });

  it("a workspace symlink to /etc is /etc", () => {
    const ws = tempDir();
    symlinkSync("/etc", join(ws, "etc-link"));
    const v = decideIn(builtin, analysis("rm etc-link/hosts"), findings("low"), { facts: { cwd: ws } });
    expect(v.decision).toBe("ask");
    expect(v.reasons[0]).toContain("/etc/hosts");
  });

  it("replacing the workspace root itself is judged outside it", () => {
    expect(decideIn(builtin, analysis("rm -rf /home/agent/project"), findings("low")).decision).toBe("ask");
    expect(decideIn(builtin, analysis("ln -sfn /etc /home/agent/project"), findings("low")).decision).toBe(
      "ask",
    );
    expect(decideIn(builtin, analysis("rm *.o"), findings("low")).decision).toBe("allow");
    expect(decideIn(builtin, analysis("rm -rf build/*"), findings("low")).decision).toBe("allow");
  });

  it("a write to a path only known at run time fails closed", () => {
    const v = decideIn(builtin, analysis("rm -rf $BUILD_DIR"), findings("low"));
    expect(v.decision).toBe("ask");
    expect(v.reasons[0]).toContain("only known at run time");
    expect(decideIn(builtin, analysis("cd $X", "rm f"), findings("low", "low")).decision).toBe("ask");
  });

  it("the most specific entry wins; children inherit", () => {
    const p = policy(
      layer({
        paths: {
          entries: [
            { path: "/srv/**", permission: "write" },
            { path: "/srv/data", permission: "read", decision: "deny", reason: "shared data" },
            { path: "/srv/data/scratch", permission: "full" },
          ],
        },
      }),
    );
    expect(decideIn(p, analysis("touch /srv/app/x"), findings("low")).decision).toBe("allow");
    expect(decideIn(p, analysis("rm /srv/app/x"), findings("low")).decision).toBe("ask");
    const v = decideIn(p, analysis("touch /srv/data/a/b"), findings("low"));
    expect(v.decision).toBe("deny");
    expect(v.reasons[0]).toContain("shared data");
    expect(decideIn(p, analysis("rm -rf /srv/data/scratch/tmp"), findings("low")).decision).toBe("allow");
  });

  it("a later entry wins over an equally specific earlier one; `**` matches zero directories", () => {
    const p = policy(
      layer({ paths: { entries: [{ path: "/opt/app/**", permission: "read" }] } }),
      layer({ paths: { entries: [{ path: "/opt/app/**", permission: "full" }] } }),
    );
    expect(decideIn(p, analysis("touch /opt/app"), findings("low")).decision).toBe("allow");
    expect(compileGlob("/a/**/b").test("/a/b")).toBe(true);
  });

  it("operation lists, `none` blocks reads, and a configured outside default", () => {
    const p = policy(
      layer({
        paths: {
          outside: "none",
          decision: "deny",
          entries: [{ path: "/data", permission: ["read", "delete"] }],
        },
      }),
    );
    expect(decideIn(p, analysis("cat /home/other/notes"), findings("low")).decision).toBe("deny");
    expect(decideIn(p, analysis("rm /data/x"), findings("low")).decision).toBe("allow");
    expect(decideIn(p, analysis("touch /data/x"), findings("low")).decision).toBe("deny");
  });

  it("expired path grants are ignored", () => {
    const p = policy(
      layer({ paths: { entries: [{ path: "/srv", permission: "full", expires: "2001-01-01T00:00Z" }] } }),
    );
    expect(decideIn(p, analysis("touch /srv/x"), findings("low")).decision).toBe("ask");
    expect(p.warnings.join()).toMatch(/expired/);
  });

  it("max_size: the grant covers existing files up to the size", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "small"), "x".repeat(10));
    writeFileSync(join(dir, "big"), "x".repeat(5000));
    const p = policy(
      layer({
        paths: {
          entries: [
            { path: "/tmp", permission: "read" },
            { path: `${dir}/**`, permission: "full", max_size: "1KB" },
          ],
        },
      }),
    );
    expect(decideIn(p, analysis(`rm ${dir}/small`), findings("low")).decision).toBe("allow");
    expect(decideIn(p, analysis(`rm ${dir}/big`), findings("low")).decision).toBe("ask");
  });

  it("configured workspace root", () => {
    const p = policy(layer({ paths: { workspace: "~/code" } }));
    expect(decideIn(p, analysis("touch /home/agent/code/other/x"), findings("low")).decision).toBe("allow");
  });
});

describe("secret paths", () => {
  it.each([
    "cat .env",
    "cat .env.local",
    "less ~/.aws/credentials",
    "cat ~/.ssh/id_ed25519",
    "cat /proc/1/environ",
    "base64 server.pem",
    "cp ~/.kube/config /tmp/x",
    "grep token .git-credentials",
  ])("%s asks", (cmd) => {
    const v = decideIn(builtin, analysis(cmd), findings("low"));
    expect(v.decision).toBe("ask");
    expect(v.reasons.join("\n")).toContain("secret");
  });
  it.each(["cat .env.example", "cat .env.sample", "cat ~/.ssh/id_rsa.pub", "cat README.md"])(
    "%s is not a secret",
    (cmd) => {
      expect(decideIn(builtin, analysis(cmd), findings("low")).decision).toBe("allow");
    },
  );
  it("users extend the list and choose the decision", () => {
    const p = policy(layer({ secrets: { paths: ["config/master.key", "*.vault"], decision: "deny" } }));
    expect(decideIn(p, analysis("cat config/master.key"), findings("low")).decision).toBe("deny");
    expect(decideIn(p, analysis("cat x.vault"), findings("low")).decision).toBe("deny");
  });
  it(".npmrc counts only with a token", () => {
    const ws = tempDir();
    writeFileSync(join(ws, ".npmrc"), "save-exact=true\n");
    expect(decideIn(builtin, analysis("cat .npmrc"), findings("low"), { facts: { cwd: ws } }).decision).toBe(
      "allow",
    );
    writeFileSync(join(ws, ".npmrc"), "//registry.npmjs.org/:_authToken=abc\n");
    expect(decideIn(builtin, analysis("cat .npmrc"), findings("low"), { facts: { cwd: ws } }).decision).toBe(
      "ask",
    );
  });
});
