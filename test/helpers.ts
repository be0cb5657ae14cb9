/** Shared test helpers: seeded random numbers, error measures, central finite differences. */
import seedrandom from "seedrandom";

export function rng(seed: string): () => number {
  return seedrandom(seed);
}

/** Uniform in [lo, hi). */
export function uniform(random: () => number, lo: number, hi: number): number {
  return lo + (hi - lo) * random();
}

/** |a − b| / max(|a|, |b|), with an absolute floor for values near zero. */
export function relativeError(a: number, b: number, floor = 0): number {
  if (a === b) return 0;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), floor);
}

/** Central difference of f at x with a step scaled to x. */
export function centralDifference(f: (x: number) => number, x: number, h = 1e-5 * Math.max(1, Math.abs(x))): number {
  return (f(x + h) - f(x - h)) / (2 * h);
}
