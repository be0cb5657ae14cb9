/**
 * Cold starts of several generated modules in alternation, for design choices the bench's three
 * processes cannot separate from this machine's noise: each round runs every module once in a fresh
 * process (the probe of cold-start.ts, on 2-64-64-1's bench data unless --data says otherwise), and the
 * medians over the rounds are printed with every process's ratio.
 *
 *   flock /tmp/symgrad-bench.lock npx tsx test/bench/cold-start-ab.ts --rounds 11 a/mlp_2_64_64_1.ts b/mlp_2_64_64_1.ts
 *
 * The bench data file is written by `npm run bench` (out/cold-start/<model>.json).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { COLD_START_PROBE, shippedJavaScript } from "./cold-start.ts";
import { median } from "./timing.ts";

const { values, positionals: files } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: "string", default: "11" }, data: { type: "string", default: "out/cold-start/mlp_2_64_64_1.json" } },
});
if (files.length === 0) throw new Error("usage: cold-start-ab.ts [--rounds N] [--data FILE] MODULE.ts …");

const dir = mkdtempSync(join(tmpdir(), "symgrad-cold-ab-"));
const probe = join(dir, "probe.mjs");
writeFileSync(probe, COLD_START_PROBE);
const scripts = files.map((file, k) => {
  const script = join(dir, `module${k}.mjs`);
  writeFileSync(script, shippedJavaScript(readFileSync(file, "utf8")));
  return script;
});

interface Run {
  readonly importMs: number;
  readonly firstMs: number;
  readonly warmMs: number;
}
const runs: Run[][] = files.map(() => []);
for (let round = 0; round < Number(values.rounds); round++) {
  scripts.forEach((script, k) => {
    const r = spawnSync(process.execPath, [probe, script, values.data], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`probe failed for ${files[k]}: ${r.stderr}`);
    runs[k]!.push(JSON.parse(r.stdout) as Run);
  });
}
const ratio = (r: Run) => (r.importMs + r.firstMs) / r.warmMs;
files.forEach((file, k) => {
  const rs = runs[k]!;
  const m = (f: (r: Run) => number) => median(rs.map(f));
  console.log(
    `${file}: (import + first call) / warm ${m(ratio).toFixed(1)}× [${rs.map((r) => ratio(r).toFixed(1)).join(" ")}]; ` +
      `import ${m((r) => r.importMs).toFixed(1)} ms, first call ${m((r) => r.firstMs).toFixed(1)} ms, warm ${m((r) => r.warmMs).toFixed(3)} ms`,
  );
});
