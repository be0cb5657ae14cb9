/**
 * The train CLI and `npm start` end to end, each in a child process writing into a fresh temp directory.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { writeFileAtomic } from "../src/files.ts";
import { getModel } from "../src/models.ts";
import { FLAGS } from "../src/options.ts";
import { copyOfRepository, runMain } from "./cli-harness.ts";
import { xmlProblem } from "./fixtures/xml.ts";

const SVGS = ["data.svg", "boundary.svg", "loss.svg"];
const seed = getModel("seed")!;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(command: string, args: string[], cwd = process.cwd()): Promise<Result> {
  try {
    const { stdout, stderr } = await promisify(execFile)(command, args, { cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

const train = (...args: string[]) => run("npx", ["tsx", "src/cli.ts", ...args]);
const tempDir = () => mkdtempSync(join(tmpdir(), "symgrad-cli-"));

describe("train --json", () => {
  it("writes the documented schema, the three plots as well-formed SVG, and nothing half-written", async () => {
    const dir = tempDir();
    const json = join(dir, "run.json");
    const { code, stdout } = await train("--epochs", "300", "--out", dir, "--json", json);
    expect(code).toBe(0);
    expect(stdout).toMatch(/final loss\s+\d/);
    expect(stdout).toMatch(/accuracy\s+\d+\.\d %/);
    const doc = JSON.parse(readFileSync(json, "utf8"));
    const keys = [
      "model",
      "paramNames",
      "params",
      "initialParams",
      "losses",
      "finalLoss",
      "accuracy",
      "epochs",
      "lr",
      "optimizer",
      "seconds",
    ];
    expect(Object.keys(doc).slice(0, keys.length)).toEqual(keys);
    expect(doc).toMatchObject({
      model: "seed",
      paramNames: [...seed.PARAM_NAMES],
      epochs: 300,
      lr: 0.5,
      optimizer: "gd",
    });
    expect(Object.keys(doc.params)).toEqual([...seed.PARAM_NAMES]);
    expect(Object.keys(doc.initialParams)).toEqual([...seed.PARAM_NAMES]);
    expect(doc.losses).toHaveLength(300);
    expect(doc.finalLoss).toBeLessThan(doc.losses[0]);
    expect(doc.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(doc.seconds).toBeGreaterThan(0);
    for (const svg of SVGS) expect(xmlProblem(readFileSync(join(dir, svg), "utf8")), svg).toBe("");
    expect(readdirSync(dir).sort()).toEqual(["boundary.svg", "data.svg", "loss.svg", "run.json"]);
  });

  it("trains from a CSV file and an init file, and reports the given initial parameters", async () => {
    const dir = tempDir();
    const csv = join(dir, "points.csv");
    writeFileSync(csv, "id,x2,x1,y\n" + ["a,0,0,0", "b,0.5,-0.2,0", "c,3,3,1", "d,2.5,3.2,1"].join("\n") + "\n");
    const init = join(dir, "init.json");
    const start = Object.fromEntries(seed.PARAM_NAMES.map((name, i) => [name, (i - 4) / 10]));
    writeFileSync(init, JSON.stringify(start));
    const json = join(dir, "run.json");
    const { code } = await train("--data", csv, "--init", init, "--epochs", "50", "--out", dir, "--json", json);
    expect(code).toBe(0);
    const doc = JSON.parse(readFileSync(json, "utf8"));
    expect(doc.initialParams).toEqual(start);
    expect(doc.losses).toHaveLength(50);
  });
});

// Refusals run main() in this process: a child per case cost ~2 s of CPU each for no extra coverage
// (the end-to-end cases above and below run the real process).
describe("bad input", () => {
  // One line per case: the flags, then what stderr must say. Every case exits 2 and writes nothing.
  const cases: [string[], RegExp][] = [
    [["--model", "nope"], /--model: unknown model "nope"; valid: .*seed/],
    [["--optimizer", "sgd"], /--optimizer: "sgd" is not valid; valid: gd, momentum, adam/],
    [
      ["--data", "spiral"],
      /--data: unknown dataset "spiral"; valid: clusters, three-clusters, xor, moons, circles, wave, or a path ending in \.csv/,
    ],
    [
      ["--data", "three-clusters"],
      /--data: three-clusters is a multiclass dataset .* valid for this model: clusters, xor, moons, circles, FILE\.csv/,
    ],
    [["--lr", "0"], /--lr: "0" is not valid; expected a finite number > 0/],
    [["--lr=-1"], /--lr: "-1" is not valid/],
    [["--lr", "Infinity"], /--lr: "Infinity" is not valid/],
    [["--lr", "1e999"], /--lr: "1e999" is not valid/],
    [["--epochs", "2.5"], /--epochs: "2.5" is not valid; expected a positive integer/],
    [["--epochs", "0"], /--epochs: "0" is not valid/],
    [["--batch", "201"], /--batch: 201 is larger than the 200 rows of clusters; valid: 1 … 200/],
    [["--bogus"], /Unknown option '--bogus'[\s\S]*Valid flags: --model, --data/],
    [["--data", "missing.csv"], /--data: missing\.csv: cannot read data file \(no such file\)/],
    [["--init", "missing.json"], /--init: missing\.json: cannot read initial parameters/],
  ];

  it.each(cases)("%j", async (args, message) => {
    const dir = tempDir();
    const out = join(dir, "out");
    const json = join(dir, "run.json");
    const { code, stderr } = await runMain([...args, "--out", out, "--json", json]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(existsSync(out) || existsSync(json)).toBe(false);
  });

  it("names the file, line and column of a bad CSV value", async () => {
    const dir = tempDir();
    const csv = join(dir, "bad.csv");
    writeFileSync(csv, "x1,x2,y\n1,2,0\n1,2,7\n");
    const { code, stderr } = await runMain(["--data", csv, "--out", join(dir, "out")]);
    expect(code).toBe(2);
    expect(stderr).toContain(`${csv}: line 3, column 3 (y): target 7 is outside [0, 1]`);
    expect(existsSync(join(dir, "out"))).toBe(false);
  });

  it("lists unknown and missing names of an init file", async () => {
    const dir = tempDir();
    const init = join(dir, "init.json");
    writeFileSync(init, JSON.stringify({ w11: 1, w13: 2 }));
    const { code, stderr } = await runMain(["--init", init, "--out", join(dir, "out")]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown parameter\(s\): w13; missing parameter\(s\): w12, b1, w21, w22, b2, v1, v2, b3/);
  });
});

describe("divergence", () => {
  it("lr 1e6 on MSE regression stops as diverged naming the epoch, exits 1 and keeps finite parameters", async () => {
    const dir = tempDir();
    const json = join(dir, "run.json");
    const { code, stderr } = await train(
      "--model",
      "regression_2_16_1",
      "--lr",
      "1e6",
      "--epochs",
      "500",
      "--out",
      dir,
      "--json",
      json,
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /training stopped: .* at epoch \d+.*; kept the best parameters, from the start of epoch \d+/,
    );
    const doc = JSON.parse(readFileSync(json, "utf8"));
    expect(doc.stop).toBe("diverged");
    expect(doc.epochs).toBeLessThan(500);
    expect(Object.values(doc.params).every((v) => Number.isFinite(v))).toBe(true);
  });
});

describe("--help", () => {
  it("lists every flag with its default", async () => {
    const { code, stdout } = await train("--help");
    expect(code).toBe(0);
    for (const [name, flag] of Object.entries(FLAGS)) {
      expect(stdout).toContain(`--${name}`);
      if ("default" in flag) expect(stdout).toContain(`(default: ${flag.default})`);
    }
    expect(stdout).toMatch(/--data [^\n]*\n[^\n]*\(default: clusters for binary/);
  });
});

describe("atomic writes", () => {
  it("leave the old file intact and no temp file behind when a write fails", () => {
    const dir = tempDir();
    const target = join(dir, "taken");
    mkdirSync(target); // a directory where the file should go: the rename must fail
    expect(() => writeFileAtomic(target, "new")).toThrow();
    expect(readdirSync(dir)).toEqual(["taken"]);
    const file = join(dir, "plot.svg");
    writeFileAtomic(file, "<svg/>");
    expect(readFileSync(file, "utf8")).toBe("<svg/>");
  });
});

/**
 * A scratch copy of what npm start needs: it may regenerate generated/, which a test must not do to the
 * working tree.
 */
const scratchRepo = () => copyOfRepository("symgrad-start-");

describe("npm start", () => {
  it("exits 0, prints accuracy ≥ 99 % and writes the three plots", async () => {
    const dir = tempDir();
    const { code, stdout } = await run("npm", ["start", "--", "--out", dir], scratchRepo());
    expect(code).toBe(0);
    const accuracy = Number(/accuracy\s+([\d.]+) %/.exec(stdout)?.[1]);
    expect(accuracy).toBeGreaterThanOrEqual(99);
    expect(stdout).toMatch(/epochs\s+2000/);
    for (const svg of SVGS) expect(xmlProblem(readFileSync(join(dir, svg), "utf8")), svg).toBe("");
  });
});
