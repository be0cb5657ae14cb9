/**
 * What the CLI prints: a progress line on a terminal for longer runs, and the closing summary table.
 */
import type { FullBatchStats } from "./full-batch.ts";
import type { Metrics } from "./metrics.ts";

/** Progress on stderr, redrawn in place; silent off a terminal and during the first second. */
export function progressLine(epochs: number, stream: NodeJS.WriteStream = process.stderr) {
  const start = performance.now();
  let next = start + 1000;
  let shown = false;
  return {
    update(epoch: number, loss: number): void {
      // Checking the clock every 64 epochs keeps the per-epoch cost at one branch.
      if (!stream.isTTY || (epoch & 63) !== 0) return;
      const now = performance.now();
      if (now < next) return;
      next = now + 100;
      shown = true;
      const width = String(epochs).length;
      const percent = Math.floor((100 * epoch) / epochs);
      stream.write(
        `\r\x1b[2K  epoch ${String(epoch).padStart(width)}/${epochs} (${percent} %)  loss ${loss.toPrecision(6)}`,
      );
    },
    done(): void {
      if (shown) stream.write("\r\x1b[2K");
    },
  };
}

const r2Text = (r2: number) =>
  Number.isNaN(r2) ? "undefined (the targets are constant)" : Math.abs(r2) < 1e4 ? r2.toFixed(4) : r2.toPrecision(4);

export interface Summary {
  title: string;
  metrics: Metrics;
  epochs: number;
  seconds: number;
  files: string[];
}

export function summaryTable({ title, metrics, epochs, seconds, files }: Summary): string {
  const rows: [string, string][] = [["final loss", metrics.loss.toPrecision(6)]];
  if (metrics.accuracy !== undefined) rows.push(["accuracy", `${(100 * metrics.accuracy).toFixed(1)} %`]);
  if (metrics.rmse !== undefined) rows.push(["RMSE", metrics.rmse.toPrecision(4)]);
  if (metrics.r2 !== undefined) rows.push(["R²", r2Text(metrics.r2)]);
  rows.push(["epochs", String(epochs)]);
  rows.push(["time", `${seconds.toFixed(2)} s`]);
  rows.push(["epochs/s", seconds > 0 ? Math.round(epochs / seconds).toLocaleString("en-US") : "–"]);
  rows.push(["files", files.length ? files.join("\n") : "none"]);
  const width = Math.max(...rows.map(([name]) => name.length));
  const lines = rows.flatMap(([name, value]) =>
    value.split("\n").map((part, i) => `  ${(i === 0 ? name : "").padEnd(width)}  ${part}`),
  );
  return [title, ...lines].join("\n");
}

/** The extra summary lines of lbfgs / newton runs. */
export function secondOrderLines(stats: FullBatchStats): string {
  return [
    `  iterations      ${stats.iterations}`,
    `  f+∇f evals      ${stats.functionEvaluations}`,
    `  H·v products    ${stats.hessianVectorProducts}`,
    `  gradient norm   ${stats.gradientNorm.toExponential(3)}`,
  ].join("\n");
}
