// A small unified diff for showing what `warden install --dry-run` would change in a settings file.
// Settings files are small, so the quadratic LCS is fine.

export function unifiedDiff(before: string, after: string, name: string, context = 3): string {
  const a = before === "" ? [] : before.replace(/\n$/, "").split("\n");
  const b = after === "" ? [] : after.replace(/\n$/, "").split("\n");
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: { tag: " " | "-" | "+"; text: string; ai: number; bi: number }[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) ops.push({ tag: " ", text: a[i++]!, ai: i, bi: ++j });
    else if (j < m && (i >= n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!))
      ops.push({ tag: "+", text: b[j++]!, ai: i, bi: j });
    else ops.push({ tag: "-", text: a[i++]!, ai: i, bi: j });
  }
  if (ops.every((o) => o.tag === " ")) return "";
  const out = [`--- ${name}`, `+++ ${name} (after)`];
  let k = 0;
  while (k < ops.length) {
    if (ops[k]!.tag === " ") {
      k++;
      continue;
    }
    const start = Math.max(0, k - context);
    let end = k;
    // Extend the hunk while changes are closer than two contexts apart.
    while (end < ops.length) {
      if (ops[end]!.tag !== " ") {
        end++;
        continue;
      }
      let run = end;
      while (run < ops.length && ops[run]!.tag === " ") run++;
      if (run < ops.length && run - end <= 2 * context) end = run;
      else {
        end = Math.min(ops.length, end + context);
        break;
      }
    }
    const hunk = ops.slice(start, end);
    const aStart = hunk.find((o) => o.tag !== "+")?.ai ?? 0;
    const bStart = hunk.find((o) => o.tag !== "-")?.bi ?? 0;
    const aLen = hunk.filter((o) => o.tag !== "+").length;
    const bLen = hunk.filter((o) => o.tag !== "-").length;
    out.push(`@@ -${aLen ? aStart : aStart}` + `,${aLen} +${bLen ? bStart : bStart},${bLen} @@`);
    for (const o of hunk) out.push(`${o.tag}${o.text}`);
    k = end;
  }
  return `${out.join("\n")}\n`;
}
