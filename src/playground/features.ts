/**
 * The rows a generated model reads, made from the playground's points (x1, x2). Every input feature
 * (x1², x1·x2, sin x1, cos x2, …) is an expression inside the generated code (generator/vite-models.ts),
 * so the playground's models read x1 and x2 only; a model with other inputs is refused by name.
 */

const COLUMNS: Readonly<Record<string, (x1: number, x2: number) => number>> = {
  x1: (x1) => x1,
  x2: (_x1, x2) => x2,
};

/** True when every input the model reads can be computed from (x1, x2). */
export function supportsInputs(inputNames: readonly string[]): boolean {
  return inputNames.every((name) => Object.hasOwn(COLUMNS, name));
}

/** n×2 points (x1, x2) → n×inputs rows in the model's INPUT_NAMES order; the same array when that is x1, x2. */
export function modelInputs(points: Float64Array, inputNames: readonly string[]): Float64Array {
  if (inputNames.length === 2 && inputNames[0] === "x1" && inputNames[1] === "x2") return points;
  const columns = inputNames.map((name) => {
    if (!Object.hasOwn(COLUMNS, name)) throw new Error(`the playground cannot compute input "${name}" from x1, x2`);
    return COLUMNS[name];
  });
  const n = points.length / 2;
  const out = new Float64Array(n * columns.length);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < columns.length; k++) out[i * columns.length + k] = columns[k](points[2 * i], points[2 * i + 1]);
  }
  return out;
}
