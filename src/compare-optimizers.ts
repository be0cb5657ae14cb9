/**
 * The seed side by side: gd (the seed's own run), momentum, adam, lbfgs and newton from the same data
 * and the same initial parameters. Prints, per optimizer, iterations, final loss, accuracy and time,
 * and how many iterations and how much time it took to reach GD's 2000-epoch loss; writes
 * optimizers.svg: loss (log scale) against iterations and against wall time.
 */
import { join } from "node:path";
import type { TopLevelSpec } from "vega-lite";
import * as seed from "../generated/seed.ts";
import type { GeneratedModel } from "./contract.ts";
import { clusters } from "./data.ts";
import { writeFileAtomic } from "./files.ts";
import { randomParams } from "./init.ts";
import { evaluate } from "./metrics.ts";
import type { OptimizerName } from "./optimizers.ts";
import { CLASS_COLORS, renderSvg, type ChartSpec } from "./plot.ts";
import { train } from "./train.ts";

export interface ComparedRun {
  optimizer: OptimizerName;
  /** Settings in words, for the table. */
  settings: string;
  /** losses[k]: loss at the start of iteration k; the last entry is the final loss. */
  losses: number[];
  /** milliseconds[k]: wall time from the start of the run to the moment losses[k] was known. */
  milliseconds: number[];
  iterations: number;
  finalLoss: number;
  accuracy: number;
  seconds: number;
}

/** The runs compared: the seed's GD, then common settings of the others (iterations: GD's epochs at most). */
const RUNS: { optimizer: OptimizerName; lr: number; epochs: number; settings: string }[] = [
  { optimizer: "gd", lr: 0.5, epochs: 2000, settings: "lr 0.5 (the seed's)" },
  { optimizer: "momentum", lr: 0.1, epochs: 2000, settings: "lr 0.1, β 0.9" },
  { optimizer: "adam", lr: 0.05, epochs: 2000, settings: "lr 0.05, β 0.9/0.999" },
  { optimizer: "lbfgs", lr: 1, epochs: 2000, settings: "memory 10, strong Wolfe" },
  { optimizer: "newton", lr: 1, epochs: 2000, settings: "trust region, CG on H·v" },
];

export function runComparison(seedValue = "42"): ComparedRun[] {
  const model = seed as unknown as GeneratedModel;
  const data = clusters({ seed: seedValue });
  const init = randomParams(model.PARAM_NAMES, `${seedValue}/init`);
  // One short untimed run each first, so no timed run pays for V8 compiling the code it calls.
  for (const { optimizer, lr } of RUNS) train(model, data, init, { lr, epochs: 20, optimizer });
  return RUNS.map(({ optimizer, lr, epochs, settings }) => {
    const losses: number[] = [];
    const milliseconds: number[] = [];
    const start = performance.now();
    const result = train(model, data, init, {
      lr,
      epochs,
      optimizer,
      onEpoch: (_, loss) => {
        milliseconds.push(performance.now() - start);
        losses.push(loss);
      },
    });
    const seconds = (performance.now() - start) / 1000;
    losses.push(result.finalLoss);
    milliseconds.push(seconds * 1000);
    const accuracy = evaluate(model, result.params, data).accuracy ?? NaN;
    return { optimizer, settings, losses, milliseconds, iterations: result.epochs, finalLoss: result.finalLoss, accuracy, seconds };
  });
}

/** The first iteration whose loss is at most `target` (and the time it was reached), if any. */
export function reach(run: ComparedRun, target: number): { iterations: number; milliseconds: number } | undefined {
  const k = run.losses.findIndex((loss) => loss <= target);
  return k < 0 ? undefined : { iterations: k, milliseconds: run.milliseconds[k] };
}

export function comparisonTable(runs: readonly ComparedRun[]): string {
  const target = runs[0].finalLoss; // GD's 2000-epoch loss
  const rows = [["optimizer", "settings", "iterations", "final loss", "accuracy", "time", "to GD's loss"]];
  for (const run of runs) {
    const reached = reach(run, target);
    rows.push([
      run.optimizer,
      run.settings,
      String(run.iterations),
      run.finalLoss.toPrecision(4),
      `${(100 * run.accuracy).toFixed(1)} %`,
      `${(run.seconds * 1000).toFixed(1)} ms`,
      reached ? `${reached.iterations} it, ${reached.milliseconds.toFixed(1)} ms` : "not reached",
    ]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const lines = rows.map((r) => `  ${r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ")}`);
  return [`optimizers side by side (seed, same data and initial parameters; GD's 2000-epoch loss ${target.toPrecision(4)})`, ...lines].join("\n");
}

/** Loss (log) against iterations (log) and against wall time, one line per optimizer. */
export function comparisonSpec(runs: readonly ComparedRun[]): ChartSpec {
  const values = runs.flatMap((run) =>
    run.losses.flatMap((loss, k) =>
      loss > 0 && (k < 50 || k % 10 === 0 || k === run.losses.length - 1)
        ? [{ optimizer: run.optimizer, iteration: k + 1, ms: Math.max(run.milliseconds[k], 1e-3), loss }]
        : [],
    ),
  );
  const color = {
    field: "optimizer",
    type: "nominal" as const,
    title: "optimizer",
    scale: { domain: runs.map((r) => r.optimizer), range: CLASS_COLORS },
  };
  const loss = { field: "loss", type: "quantitative" as const, title: "mean loss (log scale)", scale: { type: "log" as const } };
  const panel = (x: object, title: string) => ({
    title,
    width: 360,
    height: 280,
    mark: { type: "line" as const, strokeWidth: 2, point: { size: 12 } },
    encoding: { x, y: loss, color },
  });
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: "Optimizers on the seed", subtitle: "same data and initial parameters; loss at the start of each iteration" },
    data: { values },
    hconcat: [
      panel({ field: "iteration", type: "quantitative", title: "iteration (log scale)", scale: { type: "log" } }, "loss vs iterations"),
      panel({ field: "ms", type: "quantitative", title: "wall time, ms (log scale)", scale: { type: "log" } }, "loss vs wall time"),
    ],
  };
  return { kind: "vega-lite", spec };
}

/** npm start's addition: run, print the table, write optimizers.svg into `out` (default out/). */
export async function compareOnSeed(argv: readonly string[] = []): Promise<void> {
  const at = argv.indexOf("--out");
  const out = at >= 0 && argv[at + 1] ? argv[at + 1] : "out/";
  const runs = runComparison();
  const file = join(out, "optimizers.svg");
  writeFileAtomic(file, await renderSvg(comparisonSpec(runs)));
  console.log(`\n${comparisonTable(runs)}\n  plot  ${file}`);
}
