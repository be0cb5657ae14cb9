/**
 * Seeded toy datasets. Every generator takes { n, seed, noise } and returns rows in a fixed order, so the
 * same options give the same Float64Arrays bit for bit. For classification sets n counts points per class.
 */
import { createRng, type Rng } from "./rng.ts";

export interface Dataset {
  name: string;
  inputNames: string[];
  targetNames: string[];
  /** n×inputs, row-major. */
  X: Float64Array;
  /** n×targets, row-major. */
  Y: Float64Array;
  n: number;
}

export interface DataOptions {
  /** Points per class (classification) or in total (regression). */
  n?: number;
  seed?: string | number;
  /** Spread around the underlying shape; each generator documents its default. */
  noise?: number;
}

type Point = [x1: number, x2: number];

/**
 * Fills a 2-input dataset: point(rng, i) gives row i's inputs and target(i) its target row.
 * Inputs are drawn row by row, x1 before x2, as numpy's randn(n, 2) does.
 */
function build(
  name: string,
  targetNames: string[],
  rows: number,
  point: (i: number) => Point,
  target: (i: number, x: Point) => number[],
): Dataset {
  const X = new Float64Array(rows * 2);
  const Y = new Float64Array(rows * targetNames.length);
  for (let i = 0; i < rows; i++) {
    const x = point(i);
    X.set(x, i * 2);
    Y.set(target(i, x), i * targetNames.length);
  }
  return { name, inputNames: ["x1", "x2"], targetNames, X, Y, n: rows };
}

function gaussian(rng: Rng, center: Point, noise: number): Point {
  const x1 = center[0] + noise * rng.normal();
  const x2 = center[1] + noise * rng.normal();
  return [x1, x2];
}

/** The seed's data: n standard-normal points around (0,0) labelled 0, then n around (3,3) labelled 1. */
export function clusters(opts: { n?: number; seed?: string | number; noise?: number } = {}): Dataset {
  const { n = 100, seed = 42, noise = 1 } = opts;
  const rng = createRng(seed);
  const centers: Point[] = [
    [0, 0],
    [3, 3],
  ];
  const classOf = (i: number) => (i < n ? 0 : 1);
  return build(
    "clusters",
    ["y"],
    2 * n,
    (i) => gaussian(rng, centers[classOf(i)], noise),
    (i) => [classOf(i)],
  );
}

/** Three Gaussian clusters for the softmax model; targets one-hot y1 y2 y3, n points per class in order. */
export function threeClusters(opts: DataOptions = {}): Dataset {
  const { n = 100, seed = 42, noise = 1 } = opts;
  const rng = createRng(seed);
  const centers: Point[] = [
    [0, 0],
    [4, 0],
    [2, 3.5],
  ];
  const classOf = (i: number) => Math.floor(i / n);
  const oneHot = (k: number) => [0, 1, 2].map((j) => (j === k ? 1 : 0));
  return build(
    "three-clusters",
    ["y1", "y2", "y3"],
    3 * n,
    (i) => gaussian(rng, centers[classOf(i)], noise),
    (i) => oneHot(classOf(i)),
  );
}

/** XOR: blobs at (±1, ±1); label 1 where x1 and x2 have opposite signs. Noise default 0.35. */
export function xor(opts: DataOptions = {}): Dataset {
  const { n = 100, seed = 42, noise = 0.35 } = opts;
  const rng = createRng(seed);
  const classOf = (i: number) => (i < n ? 0 : 1);
  const point = (i: number): Point => {
    const s = rng.uniform() < 0.5 ? -1 : 1;
    // Class 0 sits on the diagonal (same signs), class 1 on the anti-diagonal.
    return gaussian(rng, [s, classOf(i) === 0 ? s : -s], noise);
  };
  return build("xor", ["y"], 2 * n, point, (i) => [classOf(i)]);
}

/** Two interleaving half circles (as scikit-learn's make_moons). Noise default 0.1. */
export function moons(opts: DataOptions = {}): Dataset {
  const { n = 100, seed = 42, noise = 0.1 } = opts;
  const rng = createRng(seed);
  const classOf = (i: number) => (i < n ? 0 : 1);
  const point = (i: number): Point => {
    const t = Math.PI * rng.uniform();
    const arc: Point = classOf(i) === 0 ? [Math.cos(t), Math.sin(t)] : [1 - Math.cos(t), 0.5 - Math.sin(t)];
    return gaussian(rng, arc, noise);
  };
  return build("moons", ["y"], 2 * n, point, (i) => [classOf(i)]);
}

/** Concentric circles: radius 1 labelled 0, radius 0.5 labelled 1. Noise default 0.08. */
export function circles(opts: DataOptions = {}): Dataset {
  const { n = 100, seed = 42, noise = 0.08 } = opts;
  const rng = createRng(seed);
  const classOf = (i: number) => (i < n ? 0 : 1);
  const point = (i: number): Point => {
    const t = 2 * Math.PI * rng.uniform();
    const r = classOf(i) === 0 ? 1 : 0.5;
    return gaussian(rng, [r * Math.cos(t), r * Math.sin(t)], noise);
  };
  return build("circles", ["y"], 2 * n, point, (i) => [classOf(i)]);
}

/** Regression: n points uniform on [−3, 3]², y = sin(x1) + 0.5·x2 plus Gaussian noise (default 0.1). */
export function wave(opts: DataOptions = {}): Dataset {
  const { n = 200, seed = 42, noise = 0.1 } = opts;
  const rng = createRng(seed);
  const point = (): Point => [6 * rng.uniform() - 3, 6 * rng.uniform() - 3];
  return build("wave", ["y"], n, point, (_i, [x1, x2]) => [Math.sin(x1) + 0.5 * x2 + noise * rng.normal()]);
}

/** Dataset names accepted by the CLI's --data flag. */
export const DATASETS = {
  clusters,
  "three-clusters": threeClusters,
  xor,
  moons,
  circles,
  wave,
} satisfies Record<string, (opts?: DataOptions) => Dataset>;

export type DatasetName = keyof typeof DATASETS;

/** Which kind of model each dataset is for (the contract's task names). */
export const DATASET_TASKS: Record<DatasetName, "binary" | "multiclass" | "regression"> = {
  clusters: "binary",
  "three-clusters": "multiclass",
  xor: "binary",
  moons: "binary",
  circles: "binary",
  wave: "regression",
};
