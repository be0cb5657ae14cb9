/**
 * Canvas drawing: the predicted surface as a heat-map (class colours, the 0.5 contour, class regions for
 * softmax, a value scale for regression), data points (test points with a dark ring), loss curves and the
 * per-neuron maps. Pure functions of a snapshot, so frames cost only drawing.
 */

export const CLASS_COLORS: readonly (readonly [number, number, number])[] = [
  [245, 147, 34], // orange: class 0 / low values
  [8, 119, 189], // blue: class 1 / high values
  [44, 160, 44], // green: class 2
];
const WHITE = [255, 255, 255] as const;

type Rgb = readonly [number, number, number];
const mix = (a: Rgb, b: Rgb, t: number): Rgb => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];

/** TensorFlow Playground's diverging scale: orange at 0, white at ½, blue at 1. */
function diverging(t: number): Rgb {
  const c = Math.min(1, Math.max(0, t));
  return c < 0.5 ? mix(CLASS_COLORS[0], WHITE, c * 2) : mix(WHITE, CLASS_COLORS[1], (c - 0.5) * 2);
}

export interface SurfaceStyle {
  task: "binary" | "multiclass" | "regression";
  outputs: number;
  discretize: boolean;
  /** Regression only: the value drawn orange and the value drawn blue. */
  range: [number, number];
}

/**
 * Colour scales as 256-step RGB lookup tables, built once, so painting a frame allocates nothing (a frame
 * of a 2-16-16-1 net paints 2 500 surface pixels and 32 neuron maps of 576).
 */
const LEVELS = 256;
function palette(color: (t: number) => Rgb): Uint8Array {
  const table = new Uint8Array(3 * LEVELS);
  for (let k = 0; k < LEVELS; k++) table.set(color(k / (LEVELS - 1)).map(Math.round), 3 * k);
  return table;
}
/** Neuron maps: the diverging scale itself. */
const NEURON_SCALE = palette(diverging);
/** Binary and regression surfaces: the diverging scale, paled so the points stand out. */
const SURFACE_SCALE = palette((t) => mix(WHITE, diverging(t), 0.75));
/** Softmax class regions: per class, white → the class colour. */
const CLASS_SCALES = CLASS_COLORS.map((color) => palette((t) => mix(WHITE, color, t)));

/** Writes palette's colour at t ∈ [0, 1] (clamped) into pixel i of an RGBA image. */
function setPixel(data: Uint8ClampedArray, i: number, table: Uint8Array, t: number): void {
  const k = 3 * Math.round((LEVELS - 1) * Math.min(1, Math.max(0, t)));
  data[4 * i] = table[k];
  data[4 * i + 1] = table[k + 1];
  data[4 * i + 2] = table[k + 2];
  data[4 * i + 3] = 255;
}

/** Paints the surface's colour at every grid point into `data`. */
function paintSurface(data: Uint8ClampedArray, surface: Float64Array, points: number, style: SurfaceStyle): void {
  const { outputs, discretize } = style;
  if (style.task === "multiclass") {
    for (let i = 0; i < points; i++) {
      let best = 0;
      for (let k = 1; k < outputs; k++) if (surface[i * outputs + k] > surface[i * outputs + best]) best = k;
      // Class regions: the winning class's colour, paler where the model is unsure.
      const strength = discretize ? 0.75 : 0.25 + 0.6 * surface[i * outputs + best];
      setPixel(data, i, CLASS_SCALES[best % CLASS_SCALES.length], strength);
    }
    return;
  }
  const [lo, hi] = style.task === "binary" ? [0, 1] : style.range;
  const span = hi - lo || 1;
  for (let i = 0; i < points; i++) {
    const t = (surface[i] - lo) / span;
    setPixel(data, i, SURFACE_SCALE, discretize ? (t >= 0.5 ? 1 : 0) : t);
  }
}

/** One grid-sized scratch canvas and image per grid size, reused every frame. */
const scratch = new Map<number, { canvas: HTMLCanvasElement; image: ImageData }>();
function scratchFor(grid: number): { canvas: HTMLCanvasElement; image: ImageData } {
  let entry = scratch.get(grid);
  if (!entry) {
    const canvas = Object.assign(document.createElement("canvas"), { width: grid, height: grid });
    entry = { canvas, image: new ImageData(grid, grid) };
    scratch.set(grid, entry);
  }
  return entry;
}

/** Paints grid×grid values into the canvas, smoothed. */
export function drawSurface(canvas: HTMLCanvasElement, surface: Float64Array, grid: number, style: SurfaceStyle): void {
  const { canvas: small, image } = scratchFor(grid);
  paintSurface(image.data, surface, grid * grid, style);
  small.getContext("2d")!.putImageData(image, 0, 0);
  const ctx = canvas.getContext("2d")!;
  ctx.imageSmoothingEnabled = !style.discretize;
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
  if (style.task === "binary") drawContour(ctx, surface, grid, 0.5, canvas.width / (grid - 1));
}

/** The level set value = level by marching squares over the grid (cell corners are grid points). */
function drawContour(ctx: CanvasRenderingContext2D, v: Float64Array, grid: number, level: number, scale: number): void {
  ctx.beginPath();
  const at = (r: number, c: number) => v[r * grid + c] - level;
  const cross = (a: number, b: number) => a / (a - b);
  for (let r = 0; r < grid - 1; r++) {
    for (let c = 0; c < grid - 1; c++) {
      const corners = [at(r, c), at(r, c + 1), at(r + 1, c + 1), at(r + 1, c)];
      // Crossing points on the four edges (top, right, bottom, left), in grid units (x = column, y = row).
      const edges: [number, number][] = [];
      if (corners[0] >= 0 !== corners[1] >= 0) edges.push([c + cross(corners[0], corners[1]), r]);
      if (corners[1] >= 0 !== corners[2] >= 0) edges.push([c + 1, r + cross(corners[1], corners[2])]);
      if (corners[2] >= 0 !== corners[3] >= 0) edges.push([c + 1 - cross(corners[2], corners[3]), r + 1]);
      if (corners[3] >= 0 !== corners[0] >= 0) edges.push([c, r + 1 - cross(corners[3], corners[0])]);
      for (let k = 0; k + 1 < edges.length; k += 2) {
        ctx.moveTo(edges[k][0] * scale, edges[k][1] * scale);
        ctx.lineTo(edges[k + 1][0] * scale, edges[k + 1][1] * scale);
      }
    }
  }
  ctx.strokeStyle = "rgba(20, 20, 20, 0.85)";
  ctx.lineWidth = 1.5;
  ctx.stroke();
}

export interface PointStyle extends SurfaceStyle {
  domain: [number, number];
  showTest: boolean;
  targetWidth: number;
}

/** Training points with a white ring, test points with a dark ring (hidden when showTest is off). */
export function drawPoints(
  canvas: HTMLCanvasElement,
  points: Float64Array,
  targets: Float64Array,
  isTest: Uint8Array,
  style: PointStyle,
): void {
  const ctx = canvas.getContext("2d")!;
  const [min, max] = style.domain;
  const toPixel = (v: number) => ((v - min) / (max - min)) * canvas.width;
  for (let i = 0; i < isTest.length; i++) {
    if (isTest[i] && !style.showTest) continue;
    const x = toPixel(points[2 * i]);
    const y = canvas.height - toPixel(points[2 * i + 1]);
    ctx.beginPath();
    ctx.arc(x, y, isTest[i] ? 4 : 3.5, 0, 2 * Math.PI);
    ctx.fillStyle = `rgb(${pointColor(targets, i, style).join(",")})`;
    ctx.fill();
    ctx.lineWidth = isTest[i] ? 2 : 1;
    // Mid-range regression values are near white, so their training ring is grey rather than white.
    ctx.strokeStyle = isTest[i] ? "#222" : style.task === "regression" ? "#888" : "#fff";
    ctx.stroke();
  }
}

function pointColor(targets: Float64Array, i: number, style: PointStyle): Rgb {
  if (style.task === "regression") {
    const [lo, hi] = style.range;
    return diverging((targets[i] - lo) / (hi - lo || 1));
  }
  if (style.task === "binary") return CLASS_COLORS[targets[i] >= 0.5 ? 1 : 0];
  let best = 0;
  for (let k = 1; k < style.targetWidth; k++) if (targets[i * style.targetWidth + k] > targets[i * style.targetWidth + best]) best = k;
  return CLASS_COLORS[best % CLASS_COLORS.length];
}

export interface LossHistory {
  epochs: number[];
  train: number[];
  test: number[];
}

/** Train (solid) and test (dashed) loss against epochs, on a log scale. */
export function drawLossChart(canvas: HTMLCanvasElement, history: LossHistory): void {
  const ctx = canvas.getContext("2d")!;
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  const values = [...history.train, ...history.test].filter((v) => Number.isFinite(v) && v > 0);
  if (history.epochs.length < 2 || values.length === 0) return;
  const lo = Math.log10(Math.min(...values));
  const hi = Math.log10(Math.max(...values));
  const span = hi - lo || 1;
  const lastEpoch = history.epochs[history.epochs.length - 1] || 1;
  const pad = 4;
  const x = (e: number) => pad + (e / lastEpoch) * (width - 2 * pad);
  const y = (v: number) => pad + ((hi - Math.log10(v)) / span) * (height - 2 * pad);
  const line = (series: number[], color: string, dash: number[]) => {
    ctx.beginPath();
    let started = false;
    series.forEach((v, k) => {
      if (!(Number.isFinite(v) && v > 0)) return;
      if (started) ctx.lineTo(x(history.epochs[k]), y(v));
      else ctx.moveTo(x(history.epochs[k]), y(v));
      started = true;
    });
    ctx.setLineDash(dash);
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    ctx.stroke();
    ctx.setLineDash([]);
  };
  line(history.test, "#888", [4, 3]);
  line(history.train, "#222", []);
  ctx.fillStyle = "#555";
  ctx.font = "11px system-ui, sans-serif";
  ctx.fillText(`${Math.max(...values).toPrecision(3)}`, pad + 2, 12);
  ctx.fillText(`${Math.min(...values).toPrecision(3)}`, pad + 2, height - 6);
  ctx.textAlign = "right";
  ctx.fillText(`epoch ${lastEpoch}`, width - pad, height - 6);
  ctx.textAlign = "left";
}

/**
 * One small map per hidden unit, scaled to the unit's own largest |value| (orange −, blue +). Each canvas is
 * grid×grid pixels and CSS scales it up, so a frame costs one putImageData per unit and no allocation.
 */
export function drawNeurons(canvases: HTMLCanvasElement[], values: Float64Array, grid: number, neurons: number): void {
  const points = grid * grid;
  canvases.forEach((canvas, unit) => {
    let extent = 0;
    for (let i = 0; i < points; i++) extent = Math.max(extent, Math.abs(values[i * neurons + unit]));
    const scale = 1 / (2 * (extent || 1));
    const image = imageFor(canvas);
    for (let i = 0; i < points; i++) setPixel(image.data, i, NEURON_SCALE, 0.5 + values[i * neurons + unit] * scale);
    canvas.getContext("2d")!.putImageData(image, 0, 0);
  });
}

/** A canvas's own full-size ImageData, kept for the next frame. */
const images = new WeakMap<HTMLCanvasElement, ImageData>();
function imageFor(canvas: HTMLCanvasElement): ImageData {
  let image = images.get(canvas);
  if (!image || image.width !== canvas.width || image.height !== canvas.height) {
    image = new ImageData(canvas.width, canvas.height);
    images.set(canvas, image);
  }
  return image;
}
