/**
 * `symgrad check`'s finite-difference oracle: it must flag a wrong gradient wherever a central
 * difference can see it, and must not fail a right one where the difference cannot (saturated units,
 * whose slopes of 1e-100 a difference reads as 0 or as rounding noise).
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SHIPPED_MODELS } from "../generator/models/index.ts";
import {
  differenceErrors,
  differenceSample,
  type GeneratedFunctions,
  type Point,
} from "../generator/commands/check.ts";

const TOLERANCE = 1e-4; // check.ts's DIFFERENCE_TOLERANCE
const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * A hand-written model, independent of the generator: the mean over rows of (tanh(w·x + b) − y)², and
 * its gradient with sech² taken from cosh, so that a saturated unit's slope is tiny but not 0.
 * `wrong` scales the gradient's first component, to plant an error.
 */
function tanhSquaredError(wrong = 1): GeneratedFunctions {
  const loss = (params: Float64Array, X: Float64Array, Y: Float64Array) => {
    let sum = 0;
    for (let r = 0; r < Y.length; r++) sum += (Math.tanh(params[0]! * X[r]! + params[1]!) - Y[r]!) ** 2;
    return sum / Y.length;
  };
  return {
    loss,
    lossAndGradient(params, X, Y, grad) {
      grad.fill(0);
      for (let r = 0; r < Y.length; r++) {
        const z = params[0]! * X[r]! + params[1]!;
        const slope = (2 * (Math.tanh(z) - Y[r]!)) / Math.cosh(z) ** 2 / Y.length;
        grad[0] += slope * X[r]!;
        grad[1] += slope;
      }
      grad[0] *= wrong;
      return loss(params, X, Y);
    },
  };
}

function errorsAt(f: GeneratedFunctions, w: number, b: number, X = Float64Array.of(1, 0.9, 1.1, 1.2)): number[] {
  const p: Point = { scale: 1, params: Float64Array.of(w, b), X, Y: Float64Array.of(0.5, -0.5, 0.5, 0.25) };
  const grad = new Float64Array(2);
  f.lossAndGradient(p.params, p.X, p.Y, grad);
  return differenceErrors(f, p, grad);
}

describe("symgrad check against finite differences", () => {
  it("passes a right gradient, ordinary or saturated (slopes of 1e-7 and of 1e-260)", () => {
    for (const [w, b] of [
      [0.7, -0.2],
      [9, 0],
      [300, 0],
      [-300, 40],
    ]) {
      const errors = errorsAt(tanhSquaredError(), w!, b!);
      expect(Math.max(...errors), `w = ${w}, b = ${b}`).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it("flags a gradient 1 % off, and 10 % off where the slope is only 1e-7 (still far above the differences' rounding)", () => {
    expect(errorsAt(tanhSquaredError(1.01), 0.7, -0.2)[0]).toBeGreaterThan(TOLERANCE);
    expect(errorsAt(tanhSquaredError(1.1), 9, 0)[0]).toBeGreaterThan(TOLERANCE);
  });

  // w·x crosses 0 within the rows, and a step of h = 3e-3 in w moves w·x by 0.3: the loss bends within a
  // step, and a single central difference is ~1 % off (its truncation error), not the gradient.
  const steep = Float64Array.of(100, 100.01, 99.99, 100.02);
  it("passes a right gradient where a single difference is off by its truncation error (a second, halved step tells)", () => {
    expect(Math.max(...errorsAt(tanhSquaredError(), 300, -30000, steep))).toBeLessThanOrEqual(TOLERANCE);
  });

  it("still flags a gradient 10 % off there", () => {
    expect(errorsAt(tanhSquaredError(1.1), 300, -30000, steep)[0]).toBeGreaterThan(TOLERANCE);
  });

  it("checks every component of a small model, and 512 distinct ones per point of a large one, different at each point", () => {
    expect(differenceSample(9, 0)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const points = [0, 1, 2].map((point) => differenceSample(66_817, point));
    for (const sample of points) {
      expect(sample).toHaveLength(512);
      expect(new Set(sample).size).toBe(512);
      expect(
        sample.every((k, j) => Number.isInteger(k) && k >= 0 && k < 66_817 && (j === 0 || k > sample[j - 1]!)),
      ).toBe(true);
      expect(sample[511]! - sample[0]!).toBeGreaterThan(66_000); // spread over every layer
    }
    expect(new Set(points.flat()).size).toBe(3 * 512);
  });

  // Every shipped model but 2-256-256-1, whose check takes ~40 s and 1.1 GB (2-128-128-1 runs the same
  // loops and the same sampling of components).
  it.each(SHIPPED_MODELS.map((m) => m.name).filter((name) => name !== "mlp_2_256_256_1"))(
    "passes for the shipped model %s",
    (name) => {
      const r = spawnSync(
        join(root, "node_modules/.bin/tsx"),
        [join(root, "generator/bin.ts"), "check", `generator/models/${name}.ts`],
        {
          cwd: root,
          encoding: "utf8",
        },
      );
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout.trim().split("\n").pop()).toBe("ok");
    },
  );

  it("passes a generated model whose tanh units saturate at the largest parameter scale, named with everyday names", () => {
    const dir = mkdtempSync(join(tmpdir(), "symgrad-check-"));
    writeFileSync(
      join(dir, "model.ts"),
      `import { add, defineModel, mul, pow, sub, symbols, tanh } from "${root}generator/index.ts";
const [X, params, label] = symbols("X params label");
const [loss, grad, out] = symbols("loss grad out");
const p = tanh(add(mul(loss, X), mul(grad, params), out));
export default defineModel({ name: "saturating", inputs: [X, params], targets: [label], params: [loss, grad, out], outputs: [p], loss: pow(sub(p, label), 2) });
`,
    );
    const r = spawnSync(join(root, "node_modules/.bin/tsx"), [join(root, "generator/bin.ts"), "check", "model.ts"], {
      cwd: dir,
      encoding: "utf8",
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/×300/);
    expect(r.stdout.trim().split("\n").pop()).toBe("ok");
  });
});
