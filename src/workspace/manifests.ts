// What a workspace's manifests declare: the programs it installs (package.json `bin`, pyproject.toml
// `[project.scripts]` / `[tool.poetry.scripts]`) and the packages it depends on. Files are read bounded
// (the workspace is attacker-controlled: a huge or malformed manifest declares nothing).
import { parse as parseToml } from "smol-toml";
import { readBounded } from "./read.ts";

const MAX_MANIFEST_BYTES = 1 << 20;

export interface Declared {
  bins: Set<string>;
  dependencies: Set<string>;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function packageJson(text: string, out: Declared): void {
  let pkg: Record<string, unknown>;
  try {
    pkg = record(JSON.parse(text));
  } catch {
    return;
  }
  const name = typeof pkg.name === "string" ? pkg.name : "";
  // `"bin": "cli.js"` installs the package's own name (without its scope).
  if (typeof pkg.bin === "string" && name !== "") out.bins.add(name.replace(/^@[^/]+\//, ""));
  for (const key of Object.keys(record(pkg.bin))) out.bins.add(key);
  for (const field of ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"])
    for (const dep of Object.keys(record(pkg[field]))) out.dependencies.add(dep);
}

/** `requests>=2; python_version>'3'` → `requests`. */
function requirementName(spec: string): string {
  return (/^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(spec)?.[1] ?? "").toLowerCase();
}

function pyproject(text: string, out: Declared): void {
  let doc: Record<string, unknown>;
  try {
    doc = record(parseToml(text));
  } catch {
    return;
  }
  const project = record(doc.project);
  const poetry = record(record(doc.tool).poetry);
  for (const table of [project.scripts, project["gui-scripts"], poetry.scripts])
    for (const key of Object.keys(record(table))) out.bins.add(key);
  const deps = [
    ...(Array.isArray(project.dependencies) ? project.dependencies : []),
    ...Object.values(record(project["optional-dependencies"])).flatMap((v) => (Array.isArray(v) ? v : [])),
    ...Object.values(record(doc["dependency-groups"])).flatMap((v) => (Array.isArray(v) ? v : [])),
  ];
  for (const d of deps)
    if (typeof d === "string" && requirementName(d)) out.dependencies.add(requirementName(d));
  for (const key of Object.keys(record(poetry.dependencies))) out.dependencies.add(key.toLowerCase());
}

/** Bins and dependencies declared by the manifests at the workspace root. */
export function readDeclared(root: string): Declared {
  const out: Declared = { bins: new Set(), dependencies: new Set() };
  const pkg = readBounded(`${root}/package.json`, MAX_MANIFEST_BYTES);
  if (pkg !== null) packageJson(pkg.toString("utf8"), out);
  const py = readBounded(`${root}/pyproject.toml`, MAX_MANIFEST_BYTES);
  if (py !== null) pyproject(py.toString("utf8"), out);
  return out;
}
