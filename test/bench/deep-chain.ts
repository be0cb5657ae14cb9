/**
 * Generation of a deep chain, timed: `npx tsx test/bench/deep-chain.ts [DEPTH]` (default 20 000).
 *
 * The model (test/deep-chain-model.ts) is DEPTH nested layers h ← tanh(w·h + b) with w and b shared by
 * every layer, so the whole pipeline meets a DAG DEPTH levels deep and gradients that are DEPTH-term
 * sums. Prints the time of each stage (build, validate, compile, emit, prettier), the module's size and
 * its largest function, then checks loss and gradient against the interpreter on a few samples.
 * A script, not a test: at 20 000 it runs for a while.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { deepChain, compareWithReference } from "../deep-chain-model.ts";
import { generateModule } from "../../generator/pipeline.ts";

const depth = Number(process.argv[2] ?? 20_000);
if (!Number.isInteger(depth) || depth < 1) throw new RangeError(`depth must be a positive integer, got ${process.argv[2]}`);

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const clock = () => [performance.now() / 1000, cpuSeconds()];
const since = ([wall, cpu]: number[]) => `${(performance.now() / 1000 - wall).toFixed(2)} s wall, ${(cpuSeconds() - cpu).toFixed(2)} s CPU`;

const start = clock();
let t = clock();
const model = deepChain(depth);
console.log(`build ${depth}-deep chain: ${since(t)}`);
t = clock();
const generated = await generateModule(model);
console.log(`generateModule: ${since(t)}`);

const functions = [...generated.content.matchAll(/^(?:export )?function (\w+)\(/gm)].map((m) => m[1]);
const bodies = generated.content.split(/^(?=(?:export )?function )/m).map((s) => s.length);
console.log(`module: ${(generated.content.length / 1024).toFixed(0)} KiB, ${functions.length} functions, largest ${(Math.max(...bodies) / 1024).toFixed(1)} KiB of text`);

const dir = mkdtempSync(join(tmpdir(), "symgrad-deep-"));
try {
  const file = join(dir, generated.path);
  writeFileSync(file, generated.content);
  t = clock();
  const module = await import(pathToFileURL(file).href);
  const worst = compareWithReference(module, depth);
  console.log(`vs hand-written backprop (loss and gradient, 8 samples): max relative difference ${worst.toExponential(2)} (${since(t)})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`total: ${since(start)}, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
