import { describe, expect, it } from "vitest";
import type { Spec } from "vega";
import { boundarySpec } from "../src/boundary.ts";
import type { GeneratedModel } from "../src/contract.ts";
import { clusters, threeClusters, wave, type Dataset } from "../src/data.ts";
import { randomParams } from "../src/init.ts";
import { getModel } from "../src/models.ts";
import { MAX_POINTS, lossSpec, plottedRows, renderSvg, scatterSpec } from "../src/plot.ts";
import { train } from "../src/train.ts";
import { xmlProblem } from "./fixtures/xml.ts";

const seed = getModel("seed")!;
const data = clusters();
const trained = train(seed, data, randomParams(seed.PARAM_NAMES, "42/init"), { lr: 0.5, epochs: 500 });

/** The raster the boundary plot contours: Vega data named `${name}-grid`. */
function grid(spec: Spec, name: string) {
  const entry = spec.data?.find((d) => d.name === `${name}-grid`) as { values: { width: number; values: number[] }[] };
  return entry.values[0];
}

describe("boundary plot", () => {
  const chart = boundarySpec(seed, trained.params, data, { title: "t", subtitle: "s", cells: 20 });
  const spec = chart.spec as Spec;

  it("samples the model's predict with row 0 at the top: p ≈ 0 bottom-left, p ≈ 1 top-right", () => {
    const { width, values } = grid(spec, "bands");
    expect(width).toBe(22); // 20 cells plus one outside the frame on each side
    const at = (row: number, col: number) => values[row * width + col];
    expect(at(width - 2, 1)).toBeLessThan(0.05); // bottom-left: low x1, low x2, near (0, 0)
    expect(at(1, width - 2)).toBeGreaterThan(0.95); // top-right: near (3, 3) and beyond
  });

  it("contours p at 0.5 for the boundary line and every 0.1 for the shading", () => {
    const thresholds = (name: string) =>
      (spec.data?.find((d) => d.name === name) as { transform: { thresholds: number[] }[] }).transform[0].thresholds;
    expect(thresholds("boundary")).toEqual([0.5]);
    expect(thresholds("bands")).toHaveLength(9);
  });

  it("renders to well-formed SVG with the title, the boundary path and a symbol per point", async () => {
    const svg = await renderSvg(chart);
    expect(xmlProblem(svg)).toBe("");
    expect(svg).toContain(">t</text>");
    expect(svg.match(/<path[^>]*stroke="#222"/g)?.length).toBeGreaterThanOrEqual(1);
    expect(svg.match(/<path transform="translate\(/g)?.length).toBeGreaterThanOrEqual(data.n);
  });

  it("fills every point by its class, whatever the target is called (binary and one-hot)", async () => {
    /** The points' fills: they are the only symbols drawn with a stroke of #111. */
    const pointFills = (svg: string) =>
      [...svg.matchAll(/<path transform="translate\([^)]*\)" d="[^"]*"( fill="(#[0-9a-f]{6})")? stroke="#111"/g)].map(
        (m) => m[2],
      );
    const softmax = getModel("softmax_2_8_3")!;
    const three = threeClusters({ n: 20 });
    const cases: [GeneratedModel, Float64Array, Dataset, string[]][] = [
      [seed, trained.params, { ...data, targetNames: ["label"] }, ["label = 0", "label = 1"]],
      [
        softmax,
        randomParams(softmax.PARAM_NAMES, 1),
        { ...three, targetNames: ["setosa", "versicolor", "virginica"] },
        ["setosa", "versicolor", "virginica"],
      ],
    ];
    for (const [model, params, d, classes] of cases) {
      const spec = boundarySpec(model, params, d, { title: "t", subtitle: "s", cells: 20 }).spec as Spec;
      const classScale = spec.scales?.find((s) => s.name === "class") as { domain: string[] };
      expect(classScale.domain).toEqual(classes);
      const svg = await renderSvg({ kind: "vega", spec });
      const fills = pointFills(svg);
      expect(fills).toHaveLength(d.n);
      expect(
        fills.every((fill) => fill !== undefined),
        "a point without a fill",
      ).toBe(true);
      expect(new Set(fills).size).toBe(classes.length);
      for (const name of classes) expect(svg).toContain(`>${name}</text>`); // the legend names each class
    }
  });

  it("colours each class alike in the data plot and the boundary plot, in the targets' order (not sorted by name)", () => {
    const named = { ...threeClusters({ n: 10 }), targetNames: ["cat", "ant", "bee"] };
    const softmax = getModel("softmax_2_8_3")!;
    const boundary = boundarySpec(softmax, randomParams(softmax.PARAM_NAMES, 1), named, {
      title: "t",
      subtitle: "s",
      cells: 10,
    }).spec as Spec;
    const classScale = boundary.scales?.find((s) => s.name === "class") as { domain: string[]; range: string[] };
    const scatter = scatterSpec(named).spec as {
      encoding: { color: { scale: { domain: string[]; range: string[] } } };
    };
    expect(scatter.encoding.color.scale.domain).toEqual(["cat", "ant", "bee"]);
    expect(classScale.domain).toEqual(["cat", "ant", "bee"]);
    expect(scatter.encoding.color.scale.range.slice(0, 3)).toEqual(classScale.range);
  });

  it("draws class regions for a softmax model and value bands for a regression model", async () => {
    for (const [name, d] of [
      ["softmax_2_8_3", threeClusters({ n: 20 })],
      ["regression_2_16_1", wave({ n: 50 })],
    ] as const) {
      const m = getModel(name)!;
      const svg = await renderSvg(
        boundarySpec(m, randomParams(m.PARAM_NAMES, 1), d, { title: name, subtitle: "", cells: 20 }),
      );
      expect(xmlProblem(svg), name).toBe("");
      expect(svg).toContain(name);
    }
  });
});

describe("scatter and loss plots", () => {
  it("render to well-formed SVG, colouring points by class", async () => {
    const svg = await renderSvg(scatterSpec(data));
    expect(xmlProblem(svg)).toBe("");
    expect(svg).toContain("y = 0");
    expect(svg).toContain("y = 1");
  });

  it("draws the loss on a log axis when asked and thins long histories to ~2000 points", async () => {
    const long = Float64Array.from({ length: 10_001 }, (_, e) => 1 / (e + 1));
    const log = lossSpec(long, { log: true });
    const values = (log.spec as { data: { values: { epoch: number }[] } }).data.values;
    expect(values.length).toBeLessThanOrEqual(2001);
    expect(values.at(-1)?.epoch).toBe(10_000);
    expect(JSON.stringify(log.spec)).toContain('"type":"log"');
    expect(JSON.stringify(lossSpec(long).spec)).not.toContain('"type":"log"');
    expect(xmlProblem(await renderSvg(log))).toBe("");
  });
});

describe("plots stay bounded whatever the row count", () => {
  const big = clusters({ n: 25_000, seed: 3 }); // 50,000 rows
  // Points and legend entries are translated paths; the legends add a handful.
  const symbols = (svg: string) => svg.match(/<path [^>]*transform="translate\(/g)?.length ?? 0;
  const isAboutSample = (count: number) => count >= MAX_POINTS && count <= MAX_POINTS + 20;

  it("draws a seeded sample of MAX_POINTS rows, the same for the same seed, and says so", async () => {
    const rows = plottedRows(big.n, 7);
    expect(rows).toHaveLength(MAX_POINTS);
    expect(new Set(rows).size).toBe(MAX_POINTS);
    expect([...rows].every((row, i) => i === 0 || row > rows[i - 1])).toBe(true); // kept in row order
    expect(plottedRows(big.n, 7)).toEqual(rows);
    expect(plottedRows(big.n, 8)).not.toEqual(rows);
    // Uniform: each class holds about half the sample (binomial sd ≈ 22 of 1000).
    const ones = [...rows].filter((row) => big.Y[row] === 1).length;
    expect(Math.abs(ones - MAX_POINTS / 2)).toBeLessThan(120);

    const scatter = await renderSvg(scatterSpec(big, false, 7));
    expect(scatter).toContain("2,000 of 50,000 points shown (seeded sample)");
    expect(isAboutSample(symbols(scatter)), String(symbols(scatter))).toBe(true);
    const boundary = await renderSvg(boundarySpec(seed, trained.params, big, { title: "t", subtitle: "s", seed: 7 }));
    expect(boundary).toContain("2,000 of 50,000 points shown (seeded sample)");
    expect(isAboutSample(symbols(boundary)), String(symbols(boundary))).toBe(true);
    expect(boundary.length).toBeLessThan(2_000_000);
  });

  it("keeps every row of a small dataset", () => {
    expect([...plottedRows(200)]).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it("plots a downsampled loss history at its epochs", () => {
    const chart = lossSpec(Float64Array.of(4, 3, 2, 1), { every: 8, finalLoss: 0.5 });
    const values = (chart.spec as { data: { values: { epoch: number }[] } }).data.values;
    expect(values.map((v) => v.epoch)).toEqual([0, 8, 16, 24]);
    expect(JSON.stringify(chart.spec)).toContain("32 epochs, final loss 0.5000");
  });
});
