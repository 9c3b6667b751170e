import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { filesystemPack } from "../../src/rules/filesystem.ts";
import { commandRisk, packFindings, packRisk } from "./helpers.ts";

const risk = (...argv: string[]) => packRisk(filesystemPack, argv);

describe("rm", () => {
  it("reads recursive and force flags in any order and spelling", () => {
    const spellings = [
      ["-rf"],
      ["-fr"],
      ["-r", "-f"],
      ["-R", "-f"],
      ["--recursive", "--force"],
      ["-f", "--recursive"],
      ["-Rfv"],
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...spellings),
        fc.constantFrom("/", "/etc", "~", "$HOME"),
        fc.boolean(),
        (flags, target, dashdash) => {
          const argv = ["rm", ...flags, ...(dashdash ? ["--"] : []), target];
          expect(risk(...argv)).toBe("critical");
        },
      ),
      { numRuns: 100 },
    );
  });

  it("tells home apart from a directory named ~ and a build dir apart from /", () => {
    expect(risk("rm", "-rf", "~/")).toBe("critical");
    expect(risk("rm", "-rf", "./~")).toBe("medium");
    expect(risk("rm", "-rf", "node_modules")).toBe("low");
    expect(risk("rm", "-rf", "/")).toBe("critical");
  });

  it("judges ordinary workspace deletes low and unknown targets high", () => {
    expect(risk("rm", "file.txt")).toBe("low");
    expect(risk("rm", "-rf", "dist", "coverage", "/tmp/x")).toBe("low");
    expect(risk("rm", "-rf", "src")).toBe("medium");
    expect(risk("rm", "-rf", "$DIR")).toBe("high");
    expect(risk("rm", "-f", "$DIR")).toBe("medium");
  });

  it("reports the worst of several targets with their resolved paths", () => {
    const [f] = packFindings(filesystemPack, ["rm", "-rf", "build", "/etc"]);
    expect(f).toMatchObject({ risk: "critical", rule: "filesystem.rm-system" });
    expect(f!.paths).toEqual(["/home/agent/project/build", "/etc"]);
  });

  it("--no-preserve-root is critical on its own", () => {
    expect(risk("rm", "-rf", "--no-preserve-root", "build")).toBe("critical");
  });

  it("targets from xargs are unknown; {} from find is judged by find", () => {
    expect(packRisk(filesystemPack, ["rm", "-rf", "{}"], { via: ["xargs"] })).toBe("high");
    expect(packRisk(filesystemPack, ["rm", "-rf", "{}"], { via: ["find -exec"] })).toBe("low");
  });
});

describe("other filesystem tools", () => {
  it.each([
    [["dd", "if=/dev/zero", "of=/dev/sda"], "critical"],
    [["dd", "if=in.img", "of=out.img"], "low"],
    [["mkfs.ext4", "/dev/sdb1"], "critical"],
    [["wipefs", "/dev/sda"], "low"],
    [["wipefs", "-a", "/dev/sda"], "critical"],
    [["fdisk", "-l"], "low"],
    [["shred", "-u", "notes.txt"], "medium"],
    [["truncate", "-s", "0", "/var/log/syslog"], "critical"],
    [["chmod", "-R", "777", "/"], "critical"],
    [["chmod", "+x", "run.sh"], "low"],
    [["chmod", "600", "~/.ssh/id_rsa"], "low"],
    [["chown", "-R", "me", "~"], "critical"],
    [["ln", "-sf", "/tmp/x", "/etc/profile.d/x.sh"], "critical"],
    [["tee", "-a", "/etc/hosts"], "critical"],
    [["tee", "log.txt"], "low"],
    [["sed", "-i", "s/a/b/", "/etc/hosts"], "critical"],
    [["sed", "-i", "s/a/b/", "src/a.ts"], "low"],
    [["sed", "-n", "w /etc/passwd", "f"], "low"],
    [["mv", "a", "b"], "low"],
    [["mv", "~/.ssh", "/tmp/k"], "critical"],
    [["cp", "x", "~/.bashrc"], "high"],
    [["cp", "-t", "/usr/bin", "tool"], "critical"],
    [["rmdir", "empty"], "low"],
  ])("%j is %s", (argv, expected) => {
    expect(risk(...(argv as string[]))).toBe(expected);
  });

  it("find: -delete and -exec rm judge the start points; -exec cat and data words do not delete", () => {
    expect(risk("find", ".", "-name", "*.pyc", "-delete")).toBe("low");
    expect(risk("find", ".", "-delete")).toBe("high");
    expect(risk("find", "/", "-name", "*.log", "-delete")).toBe("critical");
    expect(risk("find", ".", "-exec", "rm", "-rf", "{}", ";")).toBe("high");
    expect(risk("find", ".", "-exec", "env", "rm", "-rf", "{}", ";")).toBe("high");
    expect(risk("find", ".", "-type", "f", "-exec", "cat", "{}", "+")).toBe("low");
    expect(risk("find", ".", "-exec", "echo", "-delete", ";", "-print")).toBe("low");
    expect(risk("find", ".", "-name", "-delete", "-print")).toBe("low");
  });
});

describe("end to end through the shell stage", () => {
  it.each([
    ["rm -rf node_modules", "low"],
    ["rm -rf ~/", "critical"],
    ["rm -rf ./~", "medium"],
    ['rm -rf "$HOME"', "critical"],
    ["rm -rf $DIR", "high"],
    ["find . -print0 | xargs -0 rm -rf", "high"],
    ["echo 'rm -rf /'", "low"],
  ])("%s → %s", (command, expected) => {
    expect(commandRisk(command)).toBe(expected);
  });
});
