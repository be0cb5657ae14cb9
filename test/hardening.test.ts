/**
 * Issue 9, runtime side: every bad path, input and fault ends with a one-line message, the documented
 * exit code, and the directory exactly as it was (or, for numerical failures and interrupts, the
 * outputs of the work done). One table row per reproduction.
 */
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  giveToNobody,
  permissionSkipReason,
  runCli,
  runMain,
  scratchDir,
  snapshot,
  type Result,
} from "./cli-harness.ts";

/** A user error is one line of message (plus the --help hint for usage errors), never a stack trace. */
function expectOneLineError(result: Result, message: RegExp): void {
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  const lines = result.stderr.trim().split("\n");
  expect(lines[0]).toMatch(/^error: /);
  expect(lines.slice(1).every((line) => line.startsWith("Run with --help"))).toBe(true);
}

interface OutputCase {
  name: string;
  /** Prepares the scratch dir and returns the flags that point at it. */
  setup(dir: string): string[];
  code: number;
  message: RegExp;
  /** Permission cases run as nobody, since root may write anywhere. */
  asNobody?: boolean;
}

const outputCases: OutputCase[] = [
  {
    name: "--json names a directory (issue's repro)",
    setup: (dir) => (
      mkdirSync(join(dir, "o/jdir"), { recursive: true }),
      ["--out", join(dir, "o"), "--json", join(dir, "o/jdir")]
    ),
    code: 3,
    message: /--json: .*o\/jdir is a directory, not a file; nothing was written\.$/m,
  },
  {
    name: "--out is a file",
    setup: (dir) => (writeFileSync(join(dir, "f"), "keep"), ["--out", join(dir, "f")]),
    code: 3,
    message: /--out: .*\/f exists and is not a directory/,
  },
  {
    name: "--out is a dangling symlink",
    setup: (dir) => (symlinkSync(join(dir, "gone"), join(dir, "link")), ["--out", join(dir, "link")]),
    code: 3,
    message: /--out: .*\/link is a symbolic link to a missing directory; create its target or remove the link/,
  },
  {
    name: "--out below a file",
    setup: (dir) => (writeFileSync(join(dir, "f"), "keep"), ["--out", join(dir, "f/sub")]),
    code: 3,
    message: /--out: cannot create .*f\/sub: .*\/f is not a directory/,
  },
  {
    name: "--out plot name is a directory",
    setup: (dir) => (mkdirSync(join(dir, "o/loss.svg"), { recursive: true }), ["--out", join(dir, "o")]),
    code: 3,
    message: /--out: .*o\/loss\.svg is a directory, not a file/,
  },
  {
    name: "--json is a read-only file (refused even as root)",
    setup: (dir) => {
      writeFileSync(join(dir, "run.json"), "{}");
      chmodSync(join(dir, "run.json"), 0o444);
      return ["--out", join(dir, "o"), "--json", join(dir, "run.json")];
    },
    code: 3,
    message: /--json: .*run\.json is read-only \(mode 444\)/,
  },
  {
    name: "--json is a FIFO",
    setup: (dir) => (
      execFileSync("mkfifo", [join(dir, "pipe")]),
      ["--out", join(dir, "o"), "--json", join(dir, "pipe")]
    ),
    code: 3,
    message: /--json: .*pipe exists and is not a regular file/,
  },
  {
    name: "--out is a read-only directory",
    setup: (dir) => {
      mkdirSync(join(dir, "ro"));
      chmodSync(join(dir, "ro"), 0o555);
      return ["--out", join(dir, "ro")];
    },
    code: 3,
    message: /--out: .*\/ro is not writable \(permission denied\)/,
    asNobody: true,
  },
  {
    name: "--json in a directory nobody may write",
    setup: (dir) => {
      mkdirSync(join(dir, "ro"));
      chmodSync(join(dir, "ro"), 0o555);
      mkdirSync(join(dir, "out"));
      giveToNobody(join(dir, "out"));
      return ["--out", join(dir, "out"), "--json", join(dir, "ro/run.json")];
    },
    code: 3,
    message: /--json: cannot create .*ro\/run\.json: no permission to write in .*\/ro/,
    asNobody: true,
  },
  {
    name: "--out with a 300-character name",
    setup: (dir) => ["--out", join(dir, "d".repeat(300))],
    code: 3,
    message: /--out: .*d{300}: name too long \(ENAMETOOLONG\)/,
  },
  {
    name: "--out ''",
    setup: () => ["--out", ""],
    code: 2,
    message: /--out: the directory must not be empty/,
  },
  {
    name: "--json ''",
    setup: (dir) => ["--out", join(dir, "o"), "--json", ""],
    code: 2,
    message: /--json: the file name must not be empty/,
  },
  {
    name: "--json is one of the plots",
    setup: (dir) => ["--out", join(dir, "o"), "--json", join(dir, "o/data.svg")],
    code: 2,
    message: /--json: .*o\/data\.svg is one of the plots written to --out/,
  },
];

describe("output paths are checked before training", () => {
  it.each(outputCases)("$name → exit $code", async ({ setup, code, message, asNobody }) => {
    if (asNobody && permissionSkipReason) {
      console.warn(`skipped: ${permissionSkipReason}`);
      return;
    }
    const dir = scratchDir();
    const args = setup(dir);
    const before = snapshot(dir);
    // Permission cases need a process of their own (as nobody); the rest run main() in this process.
    const argv = ["--epochs", "20000", ...args];
    const result = asNobody ? await runCli(argv, { asNobody }) : await runMain(argv);
    expect(result.code, result.stderr).toBe(code);
    expectOneLineError(result, message);
    expect(result.stdout).toBe(""); // refused before training: no summary
    expect(snapshot(dir)).toEqual(before);
  });
});

/** A 16 KB tmpfs: big enough for the checks to pass, too small for the plots. Needs root and mount. */
function tinyFileSystem(): { dir?: string; reason: string } {
  if (process.getuid?.() !== 0) return { reason: "mounting a tmpfs needs root" };
  const dir = scratchDir("symgrad-full-");
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=16k", "tmpfs", dir], { stdio: "pipe" });
    return { dir, reason: "" };
  } catch (error) {
    return { reason: `cannot mount a tmpfs here (${String(error).split("\n")[0]})` };
  }
}

describe("disk full while writing", () => {
  const tiny = tinyFileSystem();
  afterAll(() => {
    if (tiny.dir) execFileSync("umount", [tiny.dir]);
  });

  it("exits 3 with one line, writes none of the outputs and leaves no temp file", async () => {
    if (!tiny.dir) {
      console.warn(`skipped: ${tiny.reason}`);
      return;
    }
    writeFileSync(join(tiny.dir, "run.json"), "old");
    const before = snapshot(tiny.dir);
    const result = await runMain([
      "--epochs",
      "20",
      "--out",
      join(tiny.dir, "o"),
      "--json",
      join(tiny.dir, "run.json"),
    ]);
    expect(result.code).toBe(3);
    expectOneLineError(result, /^error: cannot write .*: no space left on device \(ENOSPC\); nothing was written\.$/m);
    expect(snapshot(tiny.dir)).toEqual(before);
    expect(readdirSync(tiny.dir)).toEqual(["run.json"]);
  });
});

const readJson = (path: string) => JSON.parse(readFileSync(path, "utf8"));

describe("numerical failures exit 1 and keep the best parameters", () => {
  it("seed at --lr 1e300 (issue's repro: loss 8.26e298, exit 0) stops as diverged", async () => {
    const dir = scratchDir();
    const json = join(dir, "run.json");
    const result = await runMain(["--lr", "1e300", "--epochs", "200", "--out", join(dir, "o"), "--json", json]);
    expect(result.code).toBe(1);
    expectOneLineError(
      result,
      /^error: training stopped: loss diverged to \S+ at epoch 1, over 1e\+6 × its initial \S+; kept the best parameters, from the start of epoch 0 \(loss \S+\); the files above show those parameters\.$/m,
    );
    const doc = readJson(json);
    expect(doc).toMatchObject({ stop: "diverged", epochs: 0, interrupted: false });
    expect(doc.params).toEqual(doc.initialParams); // epoch 0's parameters had the lowest loss
    expect(doc.finalLoss).toBeLessThan(1);
  });

  it("regression on 3 rows (issue's repro: loss 3.0e40, exit 0) stops as diverged", async () => {
    const dir = scratchDir();
    const csv = join(dir, "three.csv");
    writeFileSync(csv, "x1,x2,y\n1,2,3\n2,1,4\n0,0,5\n");
    const json = join(dir, "run.json");
    const result = await runMain([
      "--model",
      "regression_2_16_1",
      "--data",
      csv,
      "--out",
      join(dir, "o"),
      "--json",
      json,
    ]);
    expect(result.code).toBe(1);
    expectOneLineError(result, /^error: training stopped: loss diverged to .*; kept the best parameters/m);
    const doc = readJson(json);
    expect(doc.stop).toBe("diverged");
    expect(Number.isFinite(doc.finalLoss) && Number.isFinite(doc.rmse) && Number.isFinite(doc.r2)).toBe(true);
  });

  it('never writes null for a documented number: R² of constant targets is the string "NaN"', async () => {
    const dir = scratchDir();
    const csv = join(dir, "constant.csv");
    writeFileSync(csv, "x1,x2,y\n1,2,3\n2,1,3\n0,0,3\n");
    const json = join(dir, "run.json");
    const args = ["--model", "regression_2_16_1", "--data", csv, "--lr", "0.1", "--epochs", "50"];
    const result = await runMain([...args, "--out", join(dir, "o"), "--json", json]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/R²\s+undefined \(the targets are constant\)/);
    const text = readFileSync(json, "utf8");
    expect(readJson(json).r2).toBe("NaN");
    // null only where the schema says "not applicable": accuracy of a regression model, batch of a full-batch run.
    expect([...text.matchAll(/"(\w+)": null/g)].map((m) => m[1])).toEqual(["accuracy", "batch"]);
  });
});

describe("--epochs has a maximum a run can honour", () => {
  it.each([["9007199254740991"], ["4294967296"], ["1000000001"]])("--epochs %s → exit 2", async (epochs) => {
    const dir = scratchDir();
    const result = await runMain(["--epochs", epochs, "--out", join(dir, "o")]);
    expect(result.code).toBe(2);
    expectOneLineError(result, new RegExp(`^error: --epochs: ${epochs} is more than the maximum, 1,000,000,000$`, "m"));
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a run longer than 10,000 epochs writes a bounded history, marked in the JSON", async () => {
    const dir = scratchDir();
    const json = join(dir, "run.json");
    const result = await runMain(["--epochs", "30000", "--out", join(dir, "o"), "--json", json]);
    expect(result.code).toBe(0);
    const doc = readJson(json);
    expect(doc).toMatchObject({ epochs: 30000, lossEvery: 4 });
    expect(doc.losses).toHaveLength(7500);
    expect(doc.lossMin).toHaveLength(7500);
    expect(doc.lossMax).toHaveLength(7500);
    doc.losses.forEach((first: number, k: number) => {
      expect(doc.lossMin[k]).toBeLessThanOrEqual(first);
      expect(doc.lossMax[k]).toBeGreaterThanOrEqual(first);
    });
  });
});

describe("Ctrl-C during training", () => {
  it("stops after the current epoch, writes the outputs of the epochs done and exits 130", async () => {
    const dir = scratchDir();
    const json = join(dir, "run.json");
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "--import",
        "./test/fixtures/announce-sigint.ts",
        "src/cli.ts",
        "--epochs",
        "1000000000",
        "--out",
        join(dir, "o"),
        "--json",
        json,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    // The CLI listens for SIGINT just before training; the preload says when. Interrupt training then.
    await new Promise<void>((resolve) =>
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
        if (stderr.includes("[test] listening for SIGINT")) resolve();
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/interrupt: stopping after the current epoch/);
    expect(stderr).toMatch(/interrupted: interrupted after epoch \d+; the files above hold the \d+ epochs done\./);
    const doc = readJson(json);
    expect(doc).toMatchObject({ stop: "interrupted", interrupted: true });
    expect(doc.epochs).toBeGreaterThan(0);
    expect(doc.epochs).toBeLessThan(1_000_000_000);
    expect(doc.losses.length * doc.lossEvery).toBeGreaterThanOrEqual(doc.epochs);
    expect(readdirSync(join(dir, "o")).sort()).toEqual(["boundary.svg", "data.svg", "loss.svg"]);
  }, 60_000);
});

describe("bad data and init files exit 2 and write nothing", () => {
  const inputCases: [string, (dir: string) => string[], RegExp][] = [
    [
      "CSV symlinked to /dev/zero",
      (dir) => (symlinkSync("/dev/zero", join(dir, "zero.csv")), ["--data", join(dir, "zero.csv")]),
      /^error: --data: .*zero\.csv: not a regular file \(a character device\); expected a CSV file$/m,
    ],
    [
      "CSV with a hex number",
      (dir) => (writeFileSync(join(dir, "hex.csv"), "x1,x2,y\n0x10,1,0\n"), ["--data", join(dir, "hex.csv")]),
      /^error: --data: .*hex\.csv: line 2, column 1 \(x1\): "0x10" is not a number$/m,
    ],
    [
      "CSV with a repeated header",
      (dir) => (writeFileSync(join(dir, "dup.csv"), "x1,x2,y,y\n1,1,0,1\n"), ["--data", join(dir, "dup.csv")]),
      /^error: --data: .*dup\.csv: line 1: column 4 repeats the header name y \(column 3\); names must be unique$/m,
    ],
    [
      "CSV over --max-csv-bytes",
      (dir) => (
        writeFileSync(join(dir, "big.csv"), "x1,x2,y\n1,1,0\n"),
        ["--data", join(dir, "big.csv"), "--max-csv-bytes", "10"]
      ),
      /^error: --data: .*big\.csv: 14 bytes is over the limit of 10 bytes for a CSV file; raise it with --max-csv-bytes$/m,
    ],
    [
      "init file with a duplicate key",
      (dir) => (writeFileSync(join(dir, "init.json"), '{"w11": 1, "w11": 2}'), ["--init", join(dir, "init.json")]),
      /^error: --init: .*init\.json: duplicate key\(s\): w11; missing parameter\(s\): w12, /m,
    ],
  ];

  it.each(inputCases)("%s", async (_name, setup, message) => {
    const dir = scratchDir();
    const args = setup(dir);
    const before = snapshot(dir);
    const result = await runMain([...args, "--out", join(dir, "o"), "--json", join(dir, "run.json")]);
    expect(result.code).toBe(2);
    expectOneLineError(result, message);
    expect(snapshot(dir)).toEqual(before);
  });
});

describe("boundary plot title", () => {
  it.each([
    [["--batch", "32"], "(batches of 32)"],
    [[], "(full batch)"],
  ])("%j names the batch size: %s", async (flags, label) => {
    const dir = scratchDir();
    const result = await runMain([...flags, "--epochs", "3", "--out", dir]);
    expect(result.code).toBe(0);
    expect(readFileSync(join(dir, "boundary.svg"), "utf8")).toContain(`seed on clusters: decision boundary ${label}`);
  });
});
