/**
 * Plots as chart specifications rendered to SVG by Vega in Node (renderer "none": no canvas needed).
 * The data scatter and the loss curve are Vega-Lite; the decision boundary (src/boundary.ts) is plain Vega
 * because it needs the isocontour transform.
 */
import type { Spec } from "vega";
import type { TopLevelSpec } from "vega-lite";
import type { Dataset } from "./data.ts";
import { argmax } from "./metrics.ts";
import { createRng } from "./rng.ts";

/** Class colours: the seed's blue/red (matplotlib "bwr" ends), then green for a third class. */
export const CLASS_COLORS = ["#2f5fb3", "#d1373f", "#2e9e5b", "#8e5bb5", "#e08a1e"];

export const PLOT_SIZE = 420;

/**
 * A chart for renderSvg: a Vega or a Vega-Lite specification. The builders type their specifications
 * with Vega's and Vega-Lite's own types; this exported type does not name them, so that a project's type
 * check of symgrad/runtime never reads Vega-Lite's declarations (which do not hold under
 * exactOptionalPropertyTypes, and fail a project that also checks libraries).
 */
export type ChartSpec = { kind: "vega"; spec: object } | { kind: "vega-lite"; spec: object };

/**
 * Vega is imported on first use, not with this module: one of its dependencies has a top-level await,
 * which would stop a CommonJS project from require()-ing symgrad/runtime, and code that never plots
 * should not pay for loading it.
 */
export async function renderSvg(chart: ChartSpec): Promise<string> {
  const [{ parse, View }, { compile }] = await Promise.all([import("vega"), import("vega-lite")]);
  const spec = chart.kind === "vega" ? (chart.spec as Spec) : compile(chart.spec as TopLevelSpec).spec;
  const view = new View(parse(spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The most data points a plot draws: beyond this, a seeded sample keeps SVGs small and rendering fast. */
export const MAX_POINTS = 2000;

/** Which rows a plot draws: all of them, or MAX_POINTS chosen by a seeded partial shuffle, in row order. */
export function plottedRows(n: number, seed: string | number = 42, max = MAX_POINTS): Uint32Array {
  if (n <= max) return Uint32Array.from({ length: n }, (_, i) => i);
  const rng = createRng(`${seed}/plot`);
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  // The first `max` steps of Fisher–Yates draw a uniform sample without replacement.
  for (let i = 0; i < max; i++) {
    const j = i + Math.floor(rng.uniform() * (n - i));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.slice(0, max).sort();
}

/** "200 points", or "2,000 of 1,000,000 points (seeded sample)". */
export function pointsCaption(n: number, shown: number): string {
  const count = (k: number) => k.toLocaleString("en-US");
  return shown === n ? `${count(n)} points` : `${count(shown)} of ${count(n)} points shown (seeded sample)`;
}

export interface PointRow {
  x1: number;
  x2: number;
  /** Class name for classifiers ("y = 0", "y2", …); the target value for regression. */
  label: string | number;
}

/**
 * A classifier's class names, as its points and legends show them: binary "y = 0", "y = 1" (named after
 * the target column: "label = 0" for a target called label), one-hot the target columns' names.
 */
export function classLabels(data: Dataset): string[] {
  const t = data.targetNames;
  return t.length > 1 ? [...t] : [`${t[0]} = 0`, `${t[0]} = 1`];
}

/**
 * One row per plotted sample: classifiers' rows are labelled by class (classLabels), regression rows by
 * their target value.
 */
export function pointRows(data: Dataset, rows: Uint32Array = plottedRows(data.n), regression = false): PointRow[] {
  const t = data.targetNames.length;
  const labels = classLabels(data);
  /** Row i's class: the one-hot row's largest column, or the binary target rounded. */
  const classOf = (i: number) => (t > 1 ? argmax(data.Y, i * t, t) : data.Y[i] >= 0.5 ? 1 : 0);
  return Array.from(rows, (i) => {
    const label = regression ? data.Y[i] : labels[classOf(i)];
    return { x1: data.X[2 * i], x2: data.X[2 * i + 1], label };
  });
}

export function scatterSpec(data: Dataset, regression = false, seed: string | number = 42): ChartSpec {
  const shown = plottedRows(data.n, seed);
  const rows = pointRows(data, shown, regression);
  const color = regression
    ? { field: "label", type: "quantitative" as const, title: data.targetNames[0], scale: { scheme: "viridis" } }
    : {
        field: "label",
        type: "nominal" as const,
        title: "class",
        scale: { domain: classLabels(data), range: CLASS_COLORS },
      };
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: `Data: ${data.name}`, subtitle: pointsCaption(data.n, shown.length) },
    width: PLOT_SIZE,
    height: PLOT_SIZE,
    data: { values: rows },
    mark: { type: "circle", size: 45, opacity: 0.85, stroke: "#222", strokeWidth: 0.5 },
    encoding: {
      x: { field: "x1", type: "quantitative", title: data.inputNames[0], scale: { zero: false, nice: true } },
      y: { field: "x2", type: "quantitative", title: data.inputNames[1], scale: { zero: false, nice: true } },
      color,
    },
  };
  return { kind: "vega-lite", spec };
}

/**
 * Loss per epoch; at most ~2000 drawn points however long the run (every k-th recorded loss plus the
 * last). `every` is the history's epochs per recorded loss (TrainResult.lossEvery). Non-finite losses
 * are left out: a log axis cannot place them.
 */
export function lossSpec(
  losses: Float64Array,
  opts: { log?: boolean; finalLoss?: number; every?: number } = {},
): ChartSpec {
  const every = opts.every ?? 1;
  const stride = Math.max(1, Math.ceil(losses.length / 2000));
  const rows: { epoch: number; loss: number }[] = [];
  const add = (k: number) => {
    if (Number.isFinite(losses[k])) rows.push({ epoch: k * every, loss: losses[k] });
  };
  for (let k = 0; k < losses.length; k += stride) add(k);
  if ((losses.length - 1) % stride !== 0) add(losses.length - 1);
  const final = opts.finalLoss ?? losses[losses.length - 1];
  const epochs = losses.length * every;
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "Training loss",
      subtitle: `${epochs.toLocaleString("en-US")} epochs, final loss ${final.toPrecision(4)}`,
    },
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
  };
  return { kind: "vega-lite", spec };
}
