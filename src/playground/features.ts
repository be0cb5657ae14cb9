/**
 * Input columns a generated model reads beyond x1 and x2. Polynomial features (x1², x1·x2) are computed
 * inside the generated code; sin/cos have no symbolic op yet, so a model built with them takes them as extra
 * input columns named sin_x1, sin_x2, cos_x1, cos_x2 (see generator/vite-models.ts), filled in here.
 */

const COLUMNS: Readonly<Record<string, (x1: number, x2: number) => number>> = {
  x1: (x1) => x1,
  x2: (_x1, x2) => x2,
  sin_x1: (x1) => Math.sin(x1),
  sin_x2: (_x1, x2) => Math.sin(x2),
  cos_x1: (x1) => Math.cos(x1),
  cos_x2: (_x1, x2) => Math.cos(x2),
};

/** True when every input the model reads can be computed from (x1, x2). */
export function supportsInputs(inputNames: readonly string[]): boolean {
  return inputNames.every((name) => Object.hasOwn(COLUMNS, name));
}

/** n×2 points (x1, x2) → n×inputs rows in the model's INPUT_NAMES order; the same array when that is x1, x2. */
export function modelInputs(points: Float64Array, inputNames: readonly string[]): Float64Array {
  if (inputNames.length === 2 && inputNames[0] === "x1" && inputNames[1] === "x2") return points;
  const columns = inputNames.map((name) => {
    const column = COLUMNS[name];
    if (!column) throw new Error(`the playground cannot compute input "${name}" from x1, x2`);
    return column;
  });
  const n = points.length / 2;
  const out = new Float64Array(n * columns.length);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < columns.length; k++) out[i * columns.length + k] = columns[k](points[2 * i], points[2 * i + 1]);
  }
  return out;
}
