// Focused unit tests of the shell analysis: word resolution, wrappers, payloads, notes, spans and bounds.

import { describe, expect, it } from "vitest";
import { analyze } from "../../src/shell/index.ts";
import type { Analysis, Invocation, NoteKind } from "../../src/types.ts";

const values = (inv: Invocation): string[] => inv.argv.map((w) => w.value);

function find(a: Analysis, program: string | null, nth = 0): Invocation {
  const hits = a.invocations.filter((inv) => inv.program === program);
  const hit = hits[nth];
  if (hit === undefined)
    throw new Error(`no invocation of ${program} in ${JSON.stringify(a.invocations.map(values))}`);
  return hit;
}

const programs = (a: Analysis): (string | null)[] => a.invocations.map((inv) => inv.program);
const noteKinds = (a: Analysis): NoteKind[] => a.notes.map((n) => n.kind);
const slice = (a: Analysis, span: [number, number]): string => a.source.slice(span[0], span[1]);

describe("word resolution", () => {
  it.each([
    ["r'm' -rf /"],
    ['"r"m -rf /'],
    ["\\rm -rf /"],
    ["r\\m -rf /"],
    ["$'\\x72m' -rf /"],
    ["$'\\162\\155' -rf /"],
    ["$'\\u0072m' -rf /"],
    ["/usr/bin/rm -rf /"],
    ["/usr/bin/../bin/rm -rf /"],
    ["./rm -rf /"],
  ])("%s resolves to program rm", (command) => {
    const inv = analyze(command).invocations[0]!;
    expect(inv.program).toBe("rm");
    expect(inv.argv[0]!.dynamic).toBe(false);
    expect(values(inv).slice(1)).toEqual(["-rf", "/"]);
  });

  it("keeps the path and the source text in argv[0]", () => {
    const inv = analyze("/usr/bin/../bin/rm x").invocations[0]!;
    expect(inv.argv[0]).toEqual({ value: "/usr/bin/../bin/rm", dynamic: false, text: "/usr/bin/../bin/rm" });
    const quoted = analyze(`"r"'m' x`).invocations[0]!;
    expect(quoted.argv[0]).toEqual({ value: "rm", dynamic: false, text: `"r"'m'` });
  });

  it("marks expansions, globs, braces and a leading tilde dynamic", () => {
    const inv = analyze(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell source text, not a template
      "ls $HOME ${X:-y} $(pwd) `pwd` *.txt a?c [ab] @(x|y) f{1,2} ~/x ~ $((1+2))",
    ).invocations.find((i) => i.program === "ls")!;
    expect(inv.argv.slice(1).map((w) => w.dynamic)).toEqual(Array(12).fill(true));
  });

  it("treats quoted glob characters, a non-leading tilde and {} as literal", () => {
    const inv = analyze(`rm '*.txt' "a?b" \\[x] a~ "~" '~/x' {} -- x=1`).invocations[0]!;
    expect(inv.argv.map((w) => w.dynamic)).toEqual(Array(inv.argv.length).fill(false));
    expect(values(inv)).toEqual(["rm", "*.txt", "a?b", "[x]", "a~", "~", "~/x", "{}", "--", "x=1"]);
  });

  it("decodes $'…' escapes and removes quotes", () => {
    const inv = analyze(`printf $'a\\tb\\x41\\101\\u00e9\\n' "a\\"b" 'c\\d' "e\\\\f" a\\ b ""`)
      .invocations[0]!;
    expect(values(inv)).toEqual(["printf", "a\tbAAé\n", 'a"b', "c\\d", "e\\f", "a b", ""]);
  });

  it("gives a dynamic command name program null and a dynamic-command note", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell source text, not a template
    const a = analyze("$CMD -rf /; ${X:-rm} a; $(echo rm) b");
    const dynamic = a.invocations.filter((i) => i.program === null);
    expect(dynamic).toHaveLength(3);
    const notes = a.notes.filter((n) => n.kind === "dynamic-command");
    expect(notes.map((n) => a.invocations[n.invocation!]!.program)).toEqual([null, null, null]);
  });

  it("treats tilde after = or : in assignments as dynamic", () => {
    const inv = analyze("PATH=~/bin:/usr/bin A=/x:~/y B='~' make").invocations[0]!;
    expect(inv.assignments.map((a) => [a.name, a.value.dynamic])).toEqual([
      ["PATH", true],
      ["A", true],
      ["B", false],
    ]);
  });
});

describe("structure", () => {
  it("finds commands in every compound construct and condition", () => {
    const a = analyze(
      [
        "if a1; then a2; elif a3; then a4; else a5; fi",
        "while b1; do b2; done; until c1; do c2; done",
        "for x in $(d1); do d2; done; for ((i=0;i<$(e1);i++)); do e2; done",
        "select s in f1; do f2; done; case $(g1) in x) g2;; esac",
        "[[ -n $(h1) ]]; (( $(h2) + 1 )); ! h3 | h4 |& h5",
        "{ i1; }; (i2); coproc i3; coproc named { i4; }",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: shell source text, not a template
        "cat <(j1) >(j2); echo ${u:-$(j3)} ${v/$(j4)/x} $(( $(j5) ))",
      ].join("\n"),
    );
    const expected =
      "a1 a2 a3 a4 a5 b1 b2 c1 c2 d1 d2 e1 e2 f2 g1 g2 h1 h2 h3 h4 h5 i1 i2 i3 i4 j1 j2 j3 j4 j5";
    for (const p of expected.split(" ")) expect(programs(a), p).toContain(p);
    expect(a.diagnostics).toEqual([]);
  });

  it("walks substitutions in assignments, redirect targets and unquoted here-doc bodies only", () => {
    const a = analyze(
      "X=$(s1) Y=`s2`; echo > $(s3) 2> >(s4); cat <<EOF\n$(s5)\nEOF\ncat <<'EOF'\n$(no1)\nEOF",
    );
    for (const p of ["s1", "s2", "s3", "s4", "s5"]) expect(programs(a)).toContain(p);
    expect(programs(a)).not.toContain("no1");
  });

  it("extracts a function body once and notes definition and every call", () => {
    const a = analyze("f() { rm -rf /tmp/x; }; f; f");
    expect(a.invocations.filter((i) => i.program === "rm")).toHaveLength(1);
    expect(noteKinds(a).filter((k) => k === "function-defined")).toHaveLength(1);
    const calls = a.notes.filter((n) => n.kind === "function-called");
    expect(calls).toHaveLength(2);
    expect(calls.every((n) => a.invocations[n.invocation!]!.program === "f")).toBe(true);
  });

  it("records redirects with descriptors and here-doc bodies", () => {
    const inv = analyze("cmd > out 2>> err 3<&0 {fd}>log &> all <<< 'hi'").invocations[0]!;
    expect(inv.redirects.map((r) => [r.op, r.target.value])).toEqual([
      [">", "out"],
      ["2>>", "err"],
      ["3<&", "0"],
      ["{fd}>", "log"],
      ["&>", "all"],
      ["<<<", "hi"],
    ]);
    expect(inv.stdin).toBe("herestring");
    expect(inv.stdinText).toBe("hi");
  });

  it("does not invent commands from quoted operators or comments", () => {
    const a = analyze(`echo 'a | rm -rf /' "; rm x" # ; rm y`);
    expect(a.invocations.map(values)).toEqual([["echo", "a | rm -rf /", "; rm x"]]);
  });
});

describe("wrappers", () => {
  it("keeps the wrapper with its full argv and adds the inner command", () => {
    const a = analyze("sudo -u deploy -E -- rm -rf /srv");
    expect(a.invocations.map(values)).toEqual([
      ["sudo", "-u", "deploy", "-E", "--", "rm", "-rf", "/srv"],
      ["rm", "-rf", "/srv"],
    ]);
    expect(find(a, "rm").via).toEqual(["sudo"]);
  });

  it("unwraps nested wrappers with a via chain", () => {
    const a = analyze("sudo env A=1 timeout 5 nice -n 5 nohup bash -c 'rm -rf /'");
    const rm = find(a, "rm");
    expect(rm.via).toEqual(["sudo", "env", "timeout", "nice", "nohup", "bash -c"]);
    expect(find(a, "timeout").assignments).toEqual([
      { name: "A", value: { value: "1", dynamic: false, text: "1" } },
    ]);
  });

  it.each([
    ["sudo -l rm -rf /"],
    ["sudo -e /etc/hosts"],
    ["command -v rm"],
    ["command -V rm"],
    ["ionice -p 1234"],
    ["kubectl exec pod rm -rf /"],
    ["docker run --rm alpine rm -rf /"],
    ["ssh -N host"],
    ["flock 9"],
    ["su - root"],
    ["trap - EXIT"],
  ])("%s runs no inner command", (command) => {
    expect(analyze(command).invocations).toHaveLength(1);
  });

  it.each([
    ["doas -u root rm x", "doas"],
    ["env -i -u HOME -C /tmp PATH=/bin rm x", "env"],
    ["env -- rm x", "env"],
    ["timeout --signal=KILL -k 1 5s rm x", "timeout"],
    ["nice -n 10 rm x", "nice"],
    ["nice -10 rm x", "nice"],
    ["ionice -c 3 rm x", "ionice"],
    ["nohup rm x", "nohup"],
    ["stdbuf -o0 -eL rm x", "stdbuf"],
    ["setsid -f rm x", "setsid"],
    ["chroot --userspec=a:b /mnt rm x", "chroot"],
    ["command -p rm x", "command"],
    ["builtin rm x", "builtin"],
    ["exec -a name rm x", "exec"],
    ["flock -w 5 /tmp/lock rm x", "flock"],
    ["watch -x rm x", "watch"],
    ["strace -f -o /tmp/t -e trace=file rm x", "strace"],
    ["unbuffer rm x", "unbuffer"],
    ["caffeinate -i rm x", "caffeinate"],
    ["runuser -u app -- rm x", "runuser"],
    ["busybox rm x", "busybox"],
    ["docker exec -it -u root -e A=1 web rm x", "docker exec"],
    ["podman container exec web rm x", "podman exec"],
    ["kubectl -n prod exec -it pod -c app -- rm x", "kubectl exec"],
    ["pkexec --user root rm x", "pkexec"],
    ["time -p rm x", "time"],
  ])("%s unwraps to rm x", (command, label) => {
    const a = analyze(command);
    const rm = find(a, "rm");
    expect(values(rm)).toEqual(["rm", "x"]);
    expect(rm.via).toEqual(label === "time" && !command.startsWith("sudo") ? [] : [label]);
  });

  it("moves env and sudo assignments to the inner command, env -i clears inherited ones", () => {
    const a = analyze("A=0 env B=1 rm x; A=0 env -i B=1 rm y; sudo C=2 rm z");
    expect(find(a, "rm", 0).assignments.map((x) => x.name)).toEqual(["A", "B"]);
    expect(find(a, "rm", 1).assignments.map((x) => x.name)).toEqual(["B"]);
    expect(find(a, "rm", 2).assignments.map((x) => x.name)).toEqual(["C"]);
  });

  it("re-splits env -S strings", () => {
    const a = analyze(`env -S 'A=1 rm -rf "/a b"' extra`);
    const rm = find(a, "rm");
    expect(values(rm)).toEqual(["rm", "-rf", "/a b", "extra"]);
    expect(rm.assignments.map((x) => x.name)).toEqual(["A"]);
  });

  it("xargs runs its command (default echo) with a dynamic word for stdin arguments", () => {
    const a = analyze("ls | xargs -0 -n1 -P4 rm -f; ls | xargs; ls | xargs -I % mv % %.bak");
    const rm = find(a, "rm");
    expect(values(rm)).toEqual(["rm", "-f", ""]);
    expect(rm.argv[2]!.dynamic).toBe(true);
    expect(rm.stdin).toBeNull();
    expect(find(a, "echo").via).toEqual(["xargs"]);
    const mv = find(a, "mv");
    expect(mv.argv.map((w) => w.dynamic)).toEqual([false, true, true]);
  });

  it("find runs every -exec/-execdir/-ok clause with {} dynamic", () => {
    const a = analyze(
      "find . -name x -exec rm {} \\; -o -execdir chmod 600 {} + -ok cp {} {}.bak \\; -delete",
    );
    expect(values(find(a, "rm"))).toEqual(["rm", "{}"]);
    expect(find(a, "rm").argv[1]!.dynamic).toBe(true);
    expect(values(find(a, "chmod"))).toEqual(["chmod", "600", "{}"]);
    expect(find(a, "cp").argv.map((w) => w.dynamic)).toEqual([false, true, true]);
    expect(values(find(a, "find"))).toContain("-delete");
    expect(find(a, "rm").via).toEqual(["find -exec"]);
  });

  it("bounds wrapper recursion", () => {
    const a = analyze(`${"sudo ".repeat(60)}rm -rf /`);
    expect(a.diagnostics.some((d) => d.kind === "depth")).toBe(true);
  });
});

describe("payloads", () => {
  it.each([
    ["bash -c 'rm -rf /'"],
    ["bash -lc 'rm -rf /'"],
    ["bash -ec 'rm -rf /'"],
    ["sh -xc 'rm -rf /'"],
    ["bash -o pipefail -c 'rm -rf /'"],
    ["bash --norc --noprofile -c 'rm -rf /'"],
    ["dash -e -c 'rm -rf /'"],
    ["zsh -c 'rm -rf /'"],
    ["busybox sh -c 'rm -rf /'"],
    ["su -c 'rm -rf /' root"],
    ["su root -lc 'rm -rf /'"],
    ["eval rm -rf /"],
    ["eval 'rm -rf' /"],
    ["ssh -p 2222 -i key user@host rm -rf /"],
    ["ssh host 'rm -rf /'"],
    ["watch -n 1 rm -rf /"],
    ["flock /tmp/l -c 'rm -rf /'"],
    ["trap 'rm -rf /' EXIT INT"],
    ["bash <<< 'rm -rf /'"],
    ["bash <<'EOF'\nrm -rf /\nEOF"],
    ["sudo bash <<EOF\nrm -rf /\nEOF"],
    ["$SHELL -c 'rm -rf /'"],
    ["parallel 'rm -rf {}' ::: /"],
  ])("%s re-parses the payload", (command) => {
    const a = analyze(command);
    const rm = a.invocations.find((i) => i.program === "rm");
    expect(rm, JSON.stringify(a.invocations.map(values))).toBeDefined();
    expect(values(rm!).slice(0, 2)).toEqual(["rm", "-rf"]);
    expect(rm!.via.length).toBeGreaterThan(0);
    expect(a.diagnostics).toEqual([]);
  });

  it("shells running a script file or -c code do not read stdin code", () => {
    const a = analyze("curl x | bash script.sh; curl x | sh -c 'cat'");
    expect(noteKinds(a)).not.toContain("shell-reads-stdin");
    expect(find(a, "cat").stdin).toBe("pipe");
  });

  it("passes $0 and positional arguments without treating them as code", () => {
    const a = analyze(`bash -c 'rm "$0" "$1"' /etc /var`);
    expect(programs(a)).toEqual(["bash", "rm"]);
    expect(
      find(a, "rm")
        .argv.slice(1)
        .every((w) => w.dynamic),
    ).toBe(true);
  });

  it("notes dynamic payloads and still walks what is known", () => {
    const a = analyze(`eval "$CMD"; bash -c "rm -rf $DIR"`);
    expect(noteKinds(a).filter((k) => k === "dynamic-payload")).toHaveLength(2);
    expect(values(find(a, "rm"))).toEqual(["rm", "-rf", "$DIR"]);
  });

  it("records here-doc bodies for interpreters", () => {
    const a = analyze("python3 <<'EOF'\nimport os\nos.system('id')\nEOF");
    const py = find(a, "python3");
    expect(py.stdin).toBe("heredoc");
    expect(py.stdinText).toBe("import os\nos.system('id')\n");
    expect(a.invocations).toHaveLength(1);
  });

  it("reports parse errors inside payloads", () => {
    const a = analyze(`bash -c 'echo "unterminated'`);
    expect(a.diagnostics.map((d) => d.kind)).toContain("parse");
    const nested = analyze("echo $(sh -c 'if then')");
    expect(nested.diagnostics.length).toBeGreaterThan(0);
  });
});

describe("notes", () => {
  it.each([
    ["curl -s https://x | sh", "sh"],
    ["base64 -d blob | bash", "bash"],
    ["curl x | sudo -E bash -s -- --flag", "bash"],
    ["wget -qO- x | python3", "python3"],
    ["curl x | perl -", "perl"],
    ["curl x | { sh; }", "sh"],
  ])("%s: shell-reads-stdin on a piped shell", (command, program) => {
    const a = analyze(command);
    const note = a.notes.find((n) => n.kind === "shell-reads-stdin");
    expect(note).toBeDefined();
    const inv = a.invocations[note!.invocation!]!;
    expect(inv.program).toBe(program);
    expect(inv.stdin).toBe("pipe");
  });

  it("does not note interpreters given code on the command line", () => {
    expect(noteKinds(analyze("cat x | python3 -c 'import sys'; cat x | node -e 1"))).not.toContain(
      "shell-reads-stdin",
    );
  });

  it("notes source, trap, alias", () => {
    const a = analyze("source ./env.sh; . ~/.profile; trap 'rm -f /tmp/l' EXIT; alias ls='rm -rf'");
    expect(noteKinds(a)).toEqual(["source", "source", "trap", "alias"]);
    expect(a.notes[2]!.detail).toBe("rm -f /tmp/l");
    expect(find(a, "rm").via).toEqual(["trap"]);
    // An alias definition runs nothing now.
    expect(a.invocations.filter((i) => i.program === "rm")).toHaveLength(1);
  });

  it.each([
    ["PAGER='sh -c id' git log"],
    ["GIT_SSH_COMMAND='ssh -i k' git fetch"],
    ["LD_PRELOAD=/tmp/x.so ls"],
    ["export BASH_ENV=/tmp/x"],
    ["declare -x EDITOR=vim"],
    ["env GIT_EXTERNAL_DIFF=/tmp/d git diff"],
    ["PROMPT_COMMAND='curl x'"],
  ])("%s: env-program", (command) => {
    expect(noteKinds(analyze(command))).toContain("env-program");
  });

  it("does not note ordinary variables", () => {
    expect(analyze("FOO=1 NODE_ENV=production npm test").notes).toEqual([]);
  });
});

describe("spans", () => {
  it("map each invocation to its slice of the request", () => {
    const a = analyze("ls -la && rm -rf x | wc -l");
    expect(a.invocations.map((i) => slice(a, i.span))).toEqual(["ls -la", "rm -rf x", "wc -l"]);
  });

  it("map payload commands inside quotes back to the original text", () => {
    const a = analyze(`sudo bash -c 'cd /tmp && rm -rf junk'`);
    expect(slice(a, find(a, "rm").span)).toBe("rm -rf junk");
    expect(slice(a, find(a, "cd").span)).toBe("cd /tmp");
    const nested = analyze(`bash -c "sh -c 'rm -rf /'"`);
    expect(slice(nested, find(nested, "rm").span)).toBe("rm -rf /");
  });

  it("stay inside the enclosing word when quote removal shifts offsets", () => {
    const command = `bash -c "echo \\"hi\\"; rm -rf /"`;
    const a = analyze(command);
    const word = [command.indexOf('"'), command.length];
    const rm = find(a, "rm");
    expect(rm.span[0]).toBeGreaterThanOrEqual(word[0]!);
    expect(rm.span[1]).toBeLessThanOrEqual(word[1]!);
  });

  it("point parse errors at the original text", () => {
    const a = analyze("echo ok; bash -c 'echo (' ");
    const d = a.diagnostics[0]!;
    expect(d.span![0]).toBeGreaterThanOrEqual("echo ok; bash -c '".length);
    expect(d.span![0]).toBeLessThanOrEqual("echo ok; bash -c 'echo (".length);
  });
});

describe("bounds and diagnostics", () => {
  it("rejects input over the size bound without parsing", () => {
    const a = analyze(`echo ${"x".repeat(1 << 20)}`);
    expect(a.diagnostics.map((d) => d.kind)).toEqual(["size"]);
    expect(a.invocations).toEqual([]);
    expect(analyze("echo hi", { maxLength: 4 }).diagnostics[0]!.kind).toBe("size");
  });

  it("reports nesting past the bound and keeps what it found", () => {
    const deep = `${"echo $(".repeat(40)}rm -rf /${")".repeat(40)}`;
    const a = analyze(deep);
    expect(a.diagnostics.map((d) => d.kind)).toContain("depth");
    expect(a.invocations.length).toBeGreaterThan(0);
    const shallow = `${"echo $(".repeat(20)}rm -rf /${")".repeat(20)}`;
    const b = analyze(shallow);
    expect(b.diagnostics).toEqual([]);
    expect(programs(b)).toContain("rm");
    expect(analyze(shallow, { maxDepth: 5 }).diagnostics.map((d) => d.kind)).toContain("depth");
  });

  it("bounds nested payloads", () => {
    const a = analyze(`${"eval ".repeat(40)}rm -rf /`);
    expect(a.diagnostics.map((d) => d.kind)).toContain("depth");
  });

  it("flags extglob outside [[ ]] unless shopt -s extglob ran on an earlier line", () => {
    expect(analyze("rm !(keep)").diagnostics).toHaveLength(1);
    expect(analyze("[[ $x == @(a|b) ]]").diagnostics).toEqual([]);
    expect(analyze("shopt -s extglob\nrm !(keep)").diagnostics).toEqual([]);
  });

  it.each([
    ["echo 'abc"],
    ["if then"],
    ["rm -rf / )"],
    ["echo $("],
    ["a && && b"],
    ["echo ${"],
    ["x ( y"],
    ["echo ("],
  ])("%s is a parse diagnostic", (command) => {
    expect(analyze(command).diagnostics.map((d) => d.kind)).toContain("parse");
  });
});
