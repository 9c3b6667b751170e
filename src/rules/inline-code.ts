// Recognises `python -c` / `node -e` one-liners that only compute and print (or write named files).
// The danger scan in interpreters.ts is a list of bad things; this is the other half: code is "plain"
// only when it has no way to reach a capability the scan would not see. That rules out every dynamic
// route (eval, getattr, __import__, dunder attributes, computed require/import), modules that run
// programs, talk to the network, delete or rename files, or drive cloud, cluster and database SDKs, and
// any file call whose path is not a plain literal. What remains can read, compute, print, and write the
// literal paths it names, which the caller judges like any other write.

export interface CodeEffects {
  /** True when the code can only compute, print, read and write the literal files below. */
  plain: boolean;
  /** Why the code is not plain (for the reason line). */
  why?: string;
  /** Literal paths the code writes (created or overwritten). */
  writes: string[];
  /** Literal paths the code reads. */
  reads: string[];
}

const notPlain = (why: string): CodeEffects => ({ plain: false, why, writes: [], reads: [] });

/** A plain quoted literal with nothing the interpreter would decode or interpolate. */
const LITERAL = String.raw`(?:'([^'\\\n]*)'|"([^"\\\n]*)")`;

function literalAt(m: RegExpExecArray, first: number): string {
  return m[first] ?? m[first + 1] ?? "";
}

/** Every occurrence of `name` must be one of the accepted call shapes; collects their literal arguments. */
function everyUse(
  code: string,
  name: RegExp,
  shapes: readonly RegExp[],
  onMatch: (m: RegExpExecArray) => string | null,
): string | null {
  const uses = [...code.matchAll(new RegExp(name.source, "g"))].length;
  let accepted = 0;
  for (const shape of shapes) {
    const re = new RegExp(shape.source, "g");
    for (let m = re.exec(code); m; m = re.exec(code)) {
      const problem = onMatch(m);
      if (problem) return problem;
      accepted++;
    }
  }
  return accepted === uses ? null : `uses ${name.source.replace(/\\b/g, "")} other than with literal paths`;
}

// --- Python ------------------------------------------------------------------------------------------------

const PY_DYNAMIC =
  /\b(getattr|setattr|delattr|__import__|importlib|execfile|breakpoint|builtins)\b|(?<![\w.])(eval|exec|compile|globals|locals|vars)\b|__(builtins|dict|class|subclasses|globals|code|reduce|reduce_ex|getattribute|bases|mro|loader|spec|self|func|closure|init_subclass)__|\bsys\.(modules|settrace|setprofile|addaudithook|meta_path|path_hooks)\b/;

/** Modules that reach programs, the network, other processes or remote state (imported or used by name). */
const PY_CAPABILITY_MODULES =
  "subprocess|socket|socketserver|ssl|urllib|urllib3|http|requests|httpx|aiohttp|ftplib|smtplib|poplib|imaplib|telnetlib|xmlrpc|paramiko|fabric|invoke|pty|tty|ctypes|cffi|multiprocessing|concurrent|signal|pickle|cPickle|marshal|shelve|dill|cloudpickle|runpy|code|codeop|webbrowser|asyncio|selectors|mmap|fcntl|resource|psutil|pexpect|sh|plumbum|boto3|botocore|aiobotocore|s3fs|google|azure|kubernetes|docker|psycopg|psycopg2|pymysql|MySQLdb|mysql|sqlalchemy|redis|pymongo|motor|elasticsearch|cassandra|hvac|stripe|github|gitlab|slack_sdk|twilio|ansible|pulumi|selenium|playwright|pyautogui|keyring|zipfile|tarfile|fileinput|pip|setuptools|distutils|venv|ensurepip|git|dulwich";
const PY_CAPABILITY = new RegExp(
  String.raw`\b(?:import|from)\s+(?:[\w.]+\s*,\s*)*(${PY_CAPABILITY_MODULES})\b|(?<![\w.])(${PY_CAPABILITY_MODULES})\s*\.`,
);

/** `os` attributes that only read. */
const OS_READ =
  /^(path|getcwd|getcwdb|listdir|scandir|walk|sep|altsep|extsep|pathsep|linesep|curdir|pardir|name|cpu_count|getpid|getppid|getuid|geteuid|getgid|getlogin|stat|lstat|fspath|fsdecode|fsencode|environ\.get|getenv|access|uname|get_terminal_size|devnull|R_OK|W_OK|X_OK|F_OK)$/;

export function pythonEffects(code: string): CodeEffects {
  const dyn = PY_DYNAMIC.exec(code);
  if (dyn) return notPlain(`uses ${dyn[0]}, which can reach anything`);
  const cap = PY_CAPABILITY.exec(code);
  if (cap) return notPlain(`uses ${cap[1] ?? cap[2]}`);
  // `import os as o` hides later calls from the name checks below.
  if (
    /\bimport\s+(os|shutil|pathlib|sqlite3|io|codecs|sys)\s+as\b|\bfrom\s+(os|shutil|io|codecs)\s+import\b/.test(
      code,
    )
  )
    return notPlain("imports a file or process module under another name");
  for (const m of code.matchAll(/\bos\.([A-Za-z_][A-Za-z0-9_]*(?:\.get)?)/g))
    if (!OS_READ.test(m[1]!)) return notPlain(`uses os.${m[1]}`);
  if (/\bpathlib\b|\bPath\s*\(/.test(code)) {
    const mut =
      /\.(write_text|write_bytes|unlink|rmdir|rename|replace|touch|mkdir|symlink_to|hardlink_to|link_to|chmod|lchmod|open)\s*\(/.exec(
        code,
      );
    if (mut) return notPlain(`changes files through pathlib (${mut[1]})`);
  }
  const writes: string[] = [];
  const reads: string[] = [];
  // open(LITERAL) / open(LITERAL, MODE): a write when the mode writes, appends, creates or updates.
  const openProblem = everyUse(
    code,
    /\bopen\b/,
    [
      new RegExp(
        String.raw`(?<![\w.])open\(\s*${LITERAL}\s*(?:,\s*(?:mode\s*=\s*)?${LITERAL})?\s*(?:,\s*encoding\s*=\s*${LITERAL}\s*)?\)`,
      ),
    ],
    (m) => {
      const path = literalAt(m, 1);
      const mode = literalAt(m, 3);
      if (/[wax+]/.test(mode)) writes.push(path);
      else reads.push(path);
      return null;
    },
  );
  if (openProblem) return notPlain(openProblem);
  if (/\bshutil\b/.test(code)) {
    const shutilProblem = everyUse(
      code,
      /\bshutil\.\w+/,
      [new RegExp(String.raw`\bshutil\.(copy|copy2|copyfile|copytree)\(\s*${LITERAL}\s*,\s*${LITERAL}\s*\)`)],
      (m) => {
        reads.push(literalAt(m, 2));
        writes.push(literalAt(m, 4));
        return null;
      },
    );
    if (shutilProblem) return notPlain(shutilProblem);
    if (/\bshutil\b(?!\.)/.test(code.replace(/\bimport\s+shutil\b/g, "")))
      return notPlain("passes shutil around");
  }
  if (/\bsqlite3\b/.test(code)) {
    const sqliteProblem = everyUse(
      code,
      /\bsqlite3\.\w+/,
      [new RegExp(String.raw`\bsqlite3\.connect\(\s*${LITERAL}\s*\)`)],
      (m) => {
        const path = literalAt(m, 1);
        if (path !== ":memory:") writes.push(path);
        return null;
      },
    );
    if (sqliteProblem) return notPlain(sqliteProblem);
  }
  return { plain: true, writes, reads };
}

// --- JavaScript --------------------------------------------------------------------------------------------

const JS_DYNAMIC =
  /\beval\b|\bFunction\b|\bconstructor\b|__proto__|\bReflect\b|\bglobalThis\b|\bglobal\s*\[|\bprocess\.(binding|_linkedBinding|dlopen|kill|chdir|setuid|setgid|env)\b|\bmodule\.constructor\b|\brequire\.cache\b|\bBun\.|\bDeno\./;

const JS_CAPABILITY =
  /(['"`])(node:)?(child_process|net|tls|dgram|http|https|http2|dns|cluster|worker_threads|vm|v8|inspector|module|repl|readline|zlib|@aws-sdk\/[^'"`]*|aws-sdk|pg|mysql|mysql2|mongodb|mongoose|redis|ioredis|axios|node-fetch|undici|got|superagent|execa|shelljs|zx|ssh2|dockerode|@kubernetes\/[^'"`]*|@google-cloud\/[^'"`]*|@azure\/[^'"`]*|puppeteer|playwright|ws|socket\.io[^'"`]*|tar|adm-zip|unzipper|rimraf|fs-extra|del)\1/;

const FS_READ =
  /^(readFileSync|readFile|readdirSync|readdir|existsSync|exists|statSync|stat|lstatSync|lstat|realpathSync|realpath|accessSync|access|constants|promises|opendirSync)$/;
const FS_WRITE = /^(writeFileSync|writeFile|appendFileSync|appendFile|mkdirSync|mkdir)$/;

export function javascriptEffects(code: string): CodeEffects {
  const dyn = JS_DYNAMIC.exec(code);
  if (dyn) return notPlain(`uses ${dyn[0]}, which can reach anything`);
  if (/\bimport\s*\(|\brequire\s*\(\s*(?!['"][^'"`$]*['"]\s*\))/.test(code))
    return notPlain("loads a module whose name is computed");
  const cap = JS_CAPABILITY.exec(code);
  if (cap) return notPlain(`uses ${cap[3]}`);
  const writes: string[] = [];
  const reads: string[] = [];
  if (/(['"`])(node:)?fs(\/promises)?\1/.test(code)) {
    // Destructuring with renames (`{ rmSync: r }`) still names the function, so every fs-ish name is checked.
    for (const m of code.matchAll(/\b([a-z][A-Za-z]*?(Sync)?)\b/g)) {
      const name = m[1]!;
      if (FS_READ.test(name) || FS_WRITE.test(name)) continue;
      if (
        /^(rm|rmdir|unlink|rename|copyFile|cp|symlink|link|chmod|chown|lchown|truncate|ftruncate|utimes|lutimes|futimes|open|createWriteStream|mkdtemp|watch|write|writev|opendir|fchmod|fchown)(Sync)?$/.test(
          name,
        )
      )
        return notPlain(`uses fs.${name}`);
    }
    const problem = everyUse(
      code,
      /\b(writeFileSync|writeFile|appendFileSync|appendFile|mkdirSync|mkdir)\b/,
      [
        new RegExp(
          String.raw`\b(?:writeFileSync|writeFile|appendFileSync|appendFile|mkdirSync|mkdir)\(\s*${LITERAL}`,
        ),
      ],
      (m) => {
        writes.push(literalAt(m, 1));
        return null;
      },
    );
    if (problem) return notPlain(problem);
    const readProblem = everyUse(
      code,
      /\b(readFileSync|readFile)\b/,
      [new RegExp(String.raw`\b(?:readFileSync|readFile)\(\s*${LITERAL}`)],
      (m) => {
        reads.push(literalAt(m, 1));
        return null;
      },
    );
    if (readProblem) return notPlain(readProblem);
  }
  return { plain: true, writes, reads };
}

export function codeEffects(lang: string, code: string): CodeEffects | null {
  if (lang === "Python") return pythonEffects(code);
  if (lang === "JavaScript") return javascriptEffects(code);
  return null;
}
