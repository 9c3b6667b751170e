import { describe, expect, it } from "vitest";
import { interpretersPack } from "../../src/rules/interpreters.ts";
import { commandRisk, invRisk, packFindings, packRisk, rules } from "./helpers.ts";

const risk = (...argv: string[]) => packRisk(interpretersPack, argv);

describe("inline code", () => {
  it("is low only when plain, at least medium otherwise, high when it calls a shell, deletes, evaluates or opens sockets", () => {
    expect(risk("python3", "-c", "print(1)")).toBe("low");
    expect(risk("python3", "-c", "import os; os.rename('a', 'b')")).toBe("medium");
    expect(risk("python3", "-c", "import subprocess; subprocess.run(['ls'])")).toBe("high");
    expect(risk("python", "-c", "import shutil; shutil.rmtree('x')")).toBe("high");
    expect(risk("node", "-e", "require('fs').rmSync('x')")).toBe("high");
    expect(risk("node", "--eval=eval(process.argv[1])")).toBe("high");
    expect(risk("perl", "-ne", "print if /x/")).toBe("medium");
    expect(risk("ruby", "-e", "require 'socket'; TCPSocket.new('h', 1)")).toBe("high");
    expect(risk("php", "-r", "passthru('id');")).toBe("high");
  });

  it("classifies the shell command a payload runs like any other command", () => {
    expect(invRisk(["python3", "-c", "import os; os.system('rm -rf /')"])).toBe("critical");
    expect(invRisk(["node", "-e", "require('child_process').execSync('rm -rf ~')"])).toBe("critical");
    expect(invRisk(["python3", "-c", "import subprocess; subprocess.run(['rm', '-rf', '/etc'])"])).toBe(
      "critical",
    );
    expect(invRisk(["ruby", "-e", "'`rm -rf /`'"])).toBe("critical");
    expect(invRisk(["osascript", "-e", 'do shell script "rm -rf ~"'])).toBe("critical");
    const f = packFindings(interpretersPack, ["python3", "-c", "import os; os.system('ls')"]);
    expect(rules(f)).toContain("interpreters.code-runs");
  });

  it("code only known at run time is high", () => {
    expect(risk("python3", "-c", "$CODE")).toBe("high");
    expect(risk("sh", "-c", '"$CMD"')).toBe("high");
  });
});

describe("scripts, modules, stdin", () => {
  it.each([
    [["python", "script.py"], "medium"],
    [["python", "--version"], "low"],
    [["python3", "-m", "pytest", "-q"], "low"],
    [["python3", "-m", "http.server"], "medium"],
    [["python3", "-m", "pip", "install", "x"], "medium"],
    [["python3", "-m", "pip", "install", "-r", "requirements.txt"], "low"],
    [["node", "build.js"], "medium"],
    [["node", "--version"], "low"],
    [["node", "--test"], "low"],
    [["bash", "deploy.sh"], "medium"],
    [["bash", "-n", "deploy.sh"], "low"],
    [["bash", "-c", "echo ok"], "low"],
    [["deno", "test"], "low"],
    [["deno", "run", "-A", "main.ts"], "high"],
    [["source", ".venv/bin/activate"], "low"],
    [["source", "/tmp/x.sh"], "high"],
  ])("%j is %s", (argv, expected) => {
    expect(risk(...(argv as string[]))).toBe(expected);
  });

  it("scans here-doc code and distrusts piped code", () => {
    expect(
      packRisk(interpretersPack, ["python3"], { stdin: "heredoc", stdinText: 'import os\nos.system("id")' }),
    ).toBe("high");
    expect(packRisk(interpretersPack, ["python3"], { stdin: "heredoc", stdinText: "print(1)" })).toBe("low");
    expect(
      packRisk(interpretersPack, ["python3"], {
        stdin: "heredoc",
        stdinText: "import pickle\npickle.loads(b'')",
      }),
    ).toBe("medium");
    expect(packRisk(interpretersPack, ["python3"], { stdin: "pipe" })).toBe("high");
    expect(packRisk(interpretersPack, ["node", "-"], { stdin: "pipe" })).toBe("high");
  });
});

describe("awk and sed programs", () => {
  it.each([
    [["awk", "'{print $1}'", "f"], "low"],
    [["awk", `'{ system("rm " $1) }'`, "f"], "high"],
    [["awk", '{ "date" | getline d }', "f"], "high"],
    [["gawk", '{ print > "/etc/x" }', "f"], "critical"],
    [["awk", '{ print > "/dev/stderr" }', "f"], "low"],
    [["awk", "-f", "prog.awk", "f"], "medium"],
    [["sed", "s/a/b/g", "f"], "low"],
    [["sed", "-n", "1,5p", "f"], "low"],
    [["sed", "1e id", "f"], "high"],
    [["sed", "s/x/id/e", "f"], "high"],
    [["sed", "-e", "s/a/b/w /etc/passwd", "f"], "critical"],
    [["sed", "-n", "w out.txt", "f"], "low"],
  ])("%j is %s", (argv, expected) => {
    expect(risk(...(argv as string[]))).toBe(expected);
  });

  it("awk calling a literal destructive command takes that command's risk", () => {
    expect(invRisk(["awk", 'BEGIN { system("rm -rf /") }'])).toBe("critical");
  });
});

describe("end to end", () => {
  it("here-docs: code for shells, data for cat", () => {
    expect(commandRisk("bash <<EOF\nrm -rf /\nEOF")).toBe("critical");
    expect(commandRisk("cat <<EOF\nrm -rf /\nEOF")).toBe("low");
    expect(commandRisk("python3 -c \"import os; os.system('rm -rf ~')\"")).toBe("critical");
  });
});
