/**
 * The decision-boundary plot: the model's output sampled by its own `predict` on a grid, drawn as filled
 * iso-bands (Vega's isocontour transform), the 0.5 contour (binary) or class regions (multiclass), and the
 * data on top. Regression models get bands of the predicted value instead.
 */
import type { ColorValueRef, Data, Legend, Mark, PathEncodeEntry, Scale, Spec } from "vega";
import type { GeneratedModel } from "./contract.ts";
import type { Dataset } from "./data.ts";
import { CLASS_COLORS, classLabels, PLOT_SIZE, plottedRows, pointRows, pointsCaption, type ChartSpec } from "./plot.ts";

interface Domain {
  x: [number, number];
  y: [number, number];
}

/** A raster as Vega's isocontour reads it: row 0 is the top edge. `key` tells rasters apart. */
interface Grid {
  width: number;
  height: number;
  values: number[];
  key: number;
}

export interface BoundaryOptions {
  title: string;
  subtitle: string;
  /** Grid cells per side (the contours interpolate between cell centres); fixed, whatever the row count. */
  cells?: number;
  /** Seeds the sample of points drawn when the data has more than MAX_POINTS rows. */
  seed?: string | number;
}

export function boundarySpec(
  model: GeneratedModel,
  params: Float64Array,
  data: Dataset,
  opts: BoundaryOptions,
): ChartSpec {
  const cells = opts.cells ?? 100;
  const domain = paddedDomain(data);
  const shown = plottedRows(data.n, opts.seed);
  const sampled = shown.length < data.n ? ` · ${pointsCaption(data.n, shown.length)}` : "";
  const outputs = sampleGrid(model, params, domain, cells);
  const layers =
    model.MODEL.task === "multiclass"
      ? classRegions(outputs, model.MODEL.outputs, cells, classLabels(data))
      : model.MODEL.task === "binary"
        ? probabilityBands(outputs, cells, classLabels(data))
        : valueBands(outputs, data.Y, cells);
  const spec: Spec = {
    $schema: "https://vega.github.io/schema/vega/v6.json",
    width: PLOT_SIZE,
    height: PLOT_SIZE,
    padding: 8,
    title: { text: opts.title, subtitle: `${opts.subtitle}${sampled}` },
    data: [...layers.data, { name: "points", values: pointRows(data, shown, model.MODEL.task === "regression") }],
    scales: [
      { name: "x", type: "linear", domain: domain.x, range: "width", nice: false, zero: false },
      { name: "y", type: "linear", domain: domain.y, range: "height", nice: false, zero: false },
      ...layers.scales,
    ],
    axes: [
      { orient: "bottom", scale: "x", title: data.inputNames[0], grid: false },
      { orient: "left", scale: "y", title: data.inputNames[1], grid: false },
    ],
    legends: layers.legends,
    marks: [...layers.marks, pointMarks(layers.pointFill)],
  };
  return { kind: "vega", spec };
}

/** Data extent plus 10 % on each side, so no point sits on the frame. */
function paddedDomain(data: Dataset): Domain {
  const extent = (column: number): [number, number] => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < data.n; i++) {
      lo = Math.min(lo, data.X[2 * i + column]);
      hi = Math.max(hi, data.X[2 * i + column]);
    }
    const pad = 0.1 * (hi - lo || 1);
    return [lo - pad, hi + pad];
  };
  return { x: extent(0), y: extent(1) };
}

/**
 * Model outputs at the centres of (cells + 2)² grid cells: one ring of cells beyond the plot on every
 * side, so contours leave through the (clipped) frame instead of being closed along it.
 */
function sampleGrid(model: GeneratedModel, params: Float64Array, domain: Domain, cells: number): Float64Array {
  const side = cells + 2;
  const X = new Float64Array(side * side * 2);
  for (let row = 0; row < side; row++) {
    for (let col = 0; col < side; col++) {
      const k = 2 * (row * side + col);
      X[k] = domain.x[0] + ((col - 0.5) / cells) * (domain.x[1] - domain.x[0]);
      X[k + 1] = domain.y[1] - ((row - 0.5) / cells) * (domain.y[1] - domain.y[0]);
    }
  }
  const out = new Float64Array(side * side * model.MODEL.outputs);
  model.predict(params, X, out);
  return out;
}

interface Layers {
  data: Data[];
  scales: Scale[];
  legends: Legend[];
  marks: Mark[];
  /** How the data points are filled: a scale name and the field it reads. */
  pointFill: { scale: string; field: string };
}

/** isocontour output placed on the plot: grid cell (col, row) covers pixels from (col − 1)·size. */
function contours(name: string, grids: Grid[], thresholds: number[], cells: number): Data[] {
  const size = PLOT_SIZE / cells;
  return [
    { name: `${name}-grid`, values: grids },
    {
      name,
      source: `${name}-grid`,
      transform: [{ type: "isocontour", thresholds, scale: size, translate: [-size, -size], smooth: true }],
    },
  ];
}

/** Filled paths of a contour dataset, clipped to the plot. */
function pathMark(from: string, fill: ColorValueRef, stroke?: PathEncodeEntry): Mark {
  return {
    type: "path",
    clip: true,
    from: { data: from },
    encode: { enter: { fill, ...(stroke ?? { strokeWidth: { value: 0 } }) } },
    transform: [{ type: "geopath", field: "datum.contour" }],
  };
}

const background = (fill: ColorValueRef): Mark => ({
  type: "rect",
  encode: {
    enter: { x: { value: 0 }, y: { value: 0 }, width: { signal: "width" }, height: { signal: "height" }, fill },
  },
});

const classScale = (labels: string[]) => ({
  name: "class",
  type: "ordinal" as const,
  domain: labels,
  range: CLASS_COLORS.slice(0, labels.length),
});

/**
 * Binary: bands every 0.1 of p from pale blue (p ≈ 0) through white to pale red (p ≈ 1), and the p = 0.5
 * line. `labels` are the two classes as the points are labelled (classLabels).
 */
function probabilityBands(p: Float64Array, cells: number, labels: string[]): Layers {
  const grid: Grid = { width: cells + 2, height: cells + 2, values: Array.from(p), key: 0 };
  const thresholds = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
  return {
    data: [...contours("bands", [grid], thresholds, cells), ...contours("boundary", [grid], [0.5], cells)],
    scales: [
      // A band [t, t + 0.1) is coloured by its middle, t + 0.05.
      { name: "shade", type: "linear", domain: [0, 0.5, 1], range: ["#7f9fd9", "#ffffff", "#e58d91"] },
      classScale(labels),
    ],
    legends: [
      { fill: "class", title: "data" },
      { fill: "shade", title: `P(${labels[1]})`, type: "gradient", direction: "vertical", gradientLength: 120 },
    ],
    marks: [
      background({ scale: "shade", value: 0.05 }),
      pathMark("bands", { scale: "shade", signal: "datum.contour.value + 0.05" }),
      pathMark("boundary", { value: "transparent" }, { stroke: { value: "#222" }, strokeWidth: { value: 2 } }),
    ],
    pointFill: { scale: "class", field: "label" },
  };
}

/**
 * Multiclass: class k's region is where its margin p_k − max_{j≠k} p_j ≥ 0, a smooth field whose
 * zero contour is the exact boundary between argmax regions. `labels` name the classes as the points
 * are labelled (classLabels: the target columns).
 */
function classRegions(p: Float64Array, classes: number, cells: number, labels: string[]): Layers {
  const points = (cells + 2) ** 2;
  const grids: Grid[] = Array.from({ length: classes }, (_, k) => {
    const values = Array.from({ length: points }, (_, i) => {
      let other = -Infinity;
      for (let j = 0; j < classes; j++) if (j !== k) other = Math.max(other, p[i * classes + j]);
      return p[i * classes + k] - other;
    });
    return { width: cells + 2, height: cells + 2, values, key: k };
  });
  return {
    data: contours("regions", grids, [0], cells),
    scales: [
      classScale(labels),
      {
        name: "region",
        type: "ordinal",
        domain: Array.from({ length: classes }, (_, k) => k),
        range: CLASS_COLORS.slice(0, classes),
      },
    ],
    legends: [{ fill: "class", title: "class" }],
    marks: [
      pathMark(
        "regions",
        { scale: "region", field: "key" },
        {
          fillOpacity: { value: 0.22 },
          stroke: { value: "#333" },
          strokeWidth: { value: 1.5 },
        },
      ),
    ],
    pointFill: { scale: "class", field: "label" },
  };
}

/**
 * Regression: ten bands of the predicted value; points are filled by their target on the same scale,
 * which spans predictions and targets alike so neither is clamped.
 */
function valueBands(values: Float64Array, targets: Float64Array, cells: number): Layers {
  const grid: Grid = { width: cells + 2, height: cells + 2, values: Array.from(values), key: 0 };
  let lo = Infinity;
  let hi = -Infinity;
  for (const array of [values, targets]) {
    for (let i = 0; i < array.length; i++) [lo, hi] = [Math.min(lo, array[i]), Math.max(hi, array[i])];
  }
  const step = (hi - lo) / 10 || 1;
  const thresholds = Array.from({ length: 9 }, (_, k) => lo + (k + 1) * step);
  return {
    data: contours("bands", [grid], thresholds, cells),
    scales: [{ name: "shade", type: "linear", domain: [lo, hi], range: { scheme: "viridis" } }],
    legends: [{ fill: "shade", title: "prediction / target", type: "gradient" }],
    marks: [
      background({ scale: "shade", value: lo + step / 2 }),
      pathMark("bands", { scale: "shade", signal: `datum.contour.value + ${step / 2}` }),
    ],
    pointFill: { scale: "shade", field: "label" },
  };
}

function pointMarks(fill: { scale: string; field: string }): Mark {
  return {
    type: "symbol",
    from: { data: "points" },
    encode: {
      enter: {
        x: { scale: "x", field: "x1" },
        y: { scale: "y", field: "x2" },
        fill,
        stroke: { value: "#111" },
        strokeWidth: { value: 0.6 },
        size: { value: 36 },
      },
    },
  };
}
