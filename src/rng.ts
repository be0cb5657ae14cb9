/**
 * The one seeded random source of the runtime. Everything random (data, initial parameters, mini-batch
 * order) draws from an Rng made here, so a seed fixes a whole run bit for bit.
 */
import seedrandom from "seedrandom";

export interface Rng {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** Fisher–Yates shuffle in place. */
  shuffle(values: Uint32Array): void;
}

export function createRng(seed: string | number): Rng {
  const prng = seedrandom(String(seed));
  // Box–Muller yields normals in pairs; keep the second for the next call.
  let spare: number | undefined;

  function normal(): number {
    if (spare !== undefined) {
      const z = spare;
      spare = undefined;
      return z;
    }
    // 1 − u lies in (0, 1], so the log below is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - prng()));
    const angle = 2 * Math.PI * prng();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  function shuffle(values: Uint32Array): void {
    for (let i = values.length - 1; i > 0; i--) {
      const j = Math.floor(prng() * (i + 1));
      const t = values[i];
      values[i] = values[j];
      values[j] = t;
    }
  }

  return { uniform: () => prng(), normal, shuffle };
}
