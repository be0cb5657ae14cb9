/**
 * Plots as chart specifications rendered to SVG by Vega in Node (renderer "none": no canvas needed).
 * The data scatter and the loss curve are Vega-Lite; the decision boundary (src/boundary.ts) is plain Vega
 * because it needs the isocontour transform.
 */
import type { Spec } from "vega";
import type { TopLevelSpec } from "vega-lite";
import type { Dataset } from "./data.ts";
import { argmax } from "./metrics.ts";

/** Class colours: the seed's blue/red (matplotlib "bwr" ends), then green for a third class. */
export const CLASS_COLORS = ["#2f5fb3", "#d1373f", "#2e9e5b", "#8e5bb5", "#e08a1e"];

export const PLOT_SIZE = 420;

export type ChartSpec = { kind: "vega"; spec: Spec } | { kind: "vega-lite"; spec: TopLevelSpec };

/**
 * Vega is imported on first use, not with this module: one of its dependencies has a top-level await,
 * which would stop a CommonJS project from require()-ing symgrad/runtime, and code that never plots
 * should not pay for loading it.
 */
export async function renderSvg(chart: ChartSpec): Promise<string> {
  const [{ parse, View }, { compile }] = await Promise.all([import("vega"), import("vega-lite")]);
  const spec = chart.kind === "vega" ? chart.spec : compile(chart.spec).spec;
  const view = new View(parse(spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export interface PointRow {
  x1: number;
  x2: number;
  /** Class name for classifiers ("y = 0", "y2", …); the target value for regression. */
  label: string | number;
}

/** One row per sample, labelled by class (binary: y = 0 / y = 1; one-hot: the target column's name). */
export function pointRows(data: Dataset): PointRow[] {
  const t = data.targetNames.length;
  return Array.from({ length: data.n }, (_, i) => {
    const label =
      t > 1 ? data.targetNames[argmax(data.Y, i * t, t)] : `${data.targetNames[0]} = ${data.Y[i] >= 0.5 ? 1 : 0}`;
    return { x1: data.X[2 * i], x2: data.X[2 * i + 1], label };
  });
}

export function scatterSpec(data: Dataset, regression = false): ChartSpec {
  const rows = regression
    ? Array.from({ length: data.n }, (_, i) => ({ x1: data.X[2 * i], x2: data.X[2 * i + 1], label: data.Y[i] }))
    : pointRows(data);
  const color = regression
    ? { field: "label", type: "quantitative" as const, title: data.targetNames[0], scale: { scheme: "viridis" } }
    : { field: "label", type: "nominal" as const, title: "class", scale: { range: CLASS_COLORS } };
  return {
    kind: "vega-lite",
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: { text: `Data: ${data.name}`, subtitle: `${data.n} points` },
      width: PLOT_SIZE,
      height: PLOT_SIZE,
      data: { values: rows },
      mark: { type: "circle", size: 45, opacity: 0.85, stroke: "#222", strokeWidth: 0.5 },
      encoding: {
        x: { field: "x1", type: "quantitative", title: data.inputNames[0], scale: { zero: false, nice: true } },
        y: { field: "x2", type: "quantitative", title: data.inputNames[1], scale: { zero: false, nice: true } },
        color,
      },
    },
  };
}

/** Loss per epoch; at most ~2000 drawn points however long the run (every k-th epoch plus the last). */
export function lossSpec(losses: Float64Array, opts: { log?: boolean; finalLoss?: number } = {}): ChartSpec {
  const stride = Math.max(1, Math.ceil(losses.length / 2000));
  const rows = [];
  for (let e = 0; e < losses.length; e += stride) rows.push({ epoch: e, loss: losses[e] });
  if ((losses.length - 1) % stride !== 0) rows.push({ epoch: losses.length - 1, loss: losses[losses.length - 1] });
  const final = opts.finalLoss ?? losses[losses.length - 1];
  return {
    kind: "vega-lite",
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: { text: "Training loss", subtitle: `${losses.length} epochs, final loss ${final.toPrecision(4)}` },
      width: 520,
      height: 300,
      data: { values: rows },
      mark: { type: "line", strokeWidth: 2, color: CLASS_COLORS[0] },
      encoding: {
        x: { field: "epoch", type: "quantitative", title: "epoch" },
        y: {
          field: "loss",
          type: "quantitative",
          title: opts.log ? "mean loss (log scale)" : "mean loss",
          scale: opts.log ? { type: "log" } : { zero: true },
        },
      },
    },
  };
}
