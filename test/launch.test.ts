/**
 * generator/launch.mjs, which `npm run generate` runs: the generator bundled by esbuild into
 * node_modules/.cache/symgrad and run without tsx. The oracle for its output is the committed
 * generated/ folder, which the tsx-run generator writes (fresh.test.ts): `--check` compares every file
 * byte for byte. Also: the bundle is reused while its sources are unchanged and rebuilt when one
 * changes, it sees its sources where they are, and a model may import any of the library's files.
 */
import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { copyOfRepository } from "./cli-harness.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

/** A scratch copy of the repository (node_modules linked), so that its sources can be edited. */
const copy = copyOfRepository("symgrad-launch-");
const caches = mkdtempSync(join(tmpdir(), "symgrad-launch-cache-"));
afterAll(() => {
  rmSync(copy, { recursive: true, force: true });
  rmSync(caches, { recursive: true, force: true });
});

function launch(args: string[], cwd = copy) {
  const r = spawnSync(process.execPath, [join(copy, "generator", "launch.mjs"), ...args], { cwd, encoding: "utf8" });
  return { status: r.status, output: r.stdout + r.stderr };
}

function tsx(args: string[], cwd = copy) {
  const r = spawnSync(join(root, "node_modules/.bin/tsx"), [join(copy, "generator", "bin.ts"), ...args], {
    cwd,
    encoding: "utf8",
  });
  return { status: r.status, output: r.stdout + r.stderr };
}

/** Edit a source of the copy for the length of `during`. */
async function withEdit(file: string, edit: (text: string) => string, during: () => unknown): Promise<void> {
  const path = join(copy, file);
  const original = readFileSync(path, "utf8");
  writeFileSync(path, edit(original));
  try {
    await during();
  } finally {
    writeFileSync(path, original);
  }
}

type Bundled = { folder: string; cli: string; built: boolean };
const { bundledGenerator } = (await import(pathToFileURL(join(copy, "generator", "launch.mjs")).href)) as {
  bundledGenerator: (cacheDir?: string) => Promise<Bundled>;
};

describe("the bundled generator (npm run generate)", () => {
  it("writes what the generator run by tsx writes: --check passes on the committed tree", () => {
    const r = launch(["generate", "--check"]);
    expect(r.output).toContain("generated is fresh (10 files)");
    expect(r.status).toBe(0);
  });

  it("is bundled once, reused while its sources are unchanged, and bundled again when one changes or the bundle is gone", async () => {
    const cache = join(caches, "reuse");
    const first = await bundledGenerator(cache);
    expect(first.built).toBe(true);
    expect(existsSync(fileURLToPath(first.cli))).toBe(true);
    expect(await bundledGenerator(cache)).toEqual({ ...first, built: false });

    let edited: Bundled | undefined;
    await withEdit(
      "generator/cli.ts",
      (text) => text.replace("Usage: symgrad", "Usage:  symgrad"),
      async () => {
        edited = await bundledGenerator(cache);
      },
    );
    expect(edited?.built).toBe(true);
    expect(edited?.cli).not.toBe(first.cli); // another bundle: its text differs

    // The edit undone, the sources are the first bundle's again: bundled again, to the same folder.
    expect(await bundledGenerator(cache)).toEqual(first);
    rmSync(fileURLToPath(first.folder), { recursive: true, force: true });
    expect(await bundledGenerator(cache)).toEqual(first);
  });

  it("sees its sources where they are: an edit to the emitters changes the generator's fingerprint, so --check fails", async () => {
    await withEdit(
      "generator/emit/header.ts",
      (text) => `${text}\n// an edit the fingerprint sees\n`,
      () => {
        const r = launch(["generate", "--check"]);
        expect(r.output).toMatch(/stale: +generated\/seed\.ts/);
        expect(r.status).toBe(1);
      },
    );
  });

  it("loads a model that imports one of the library's own files (not index.ts), as the tsx-run generator does", () => {
    const dir = join(copy, "models-internal");
    mkdirSync(dir);
    writeFileSync(
      join(dir, "internal.ts"),
      [
        `import { mlp } from "../generator/nn/mlp.ts";`,
        `import { defineModel } from "../generator/index.ts";`,
        `export default defineModel({ name: "internal", ...mlp({ layers: [2, 3, 1], activation: "tanh", output: "sigmoid", loss: "bce" }) });`,
      ].join("\n"),
    );
    const out = (r: { status: number | null; output: string }) => {
      expect(r.output).not.toMatch(/Error/);
      expect(r.status).toBe(0);
      return readFileSync(join(dir, "gen", "internal.ts"), "utf8");
    };
    const bundled = out(launch(["generate", "internal.ts", "--out", "gen", "--force", "--quiet"], dir));
    const underTsx = out(tsx(["generate", "internal.ts", "--out", "gen", "--force", "--quiet"], dir));
    expect(bundled).toBe(underTsx);
    expect(bundled).toContain("export function lossAndGradient");
  });

  it("runs `generate` only, and says where the other commands are", () => {
    const r = launch(["train"]);
    expect(r.status).toBe(2);
    expect(r.output).toMatch(/runs `symgrad generate` only.*npm run symgrad -- <command>/);
  });

  it("reports a source that does not compile by file and line, with exit code 1", async () => {
    await withEdit(
      "generator/errors.ts",
      (text) => `${text}\nexport const broken = ;\n`,
      () => {
        const r = launch(["generate", "--check"]);
        expect(r.status).toBe(1);
        expect(r.output).toMatch(/generator\/errors\.ts:\d+:\d+: /);
        expect(r.output).not.toMatch(/\n\s+at /); // no stack trace
      },
    );
  });

  it("bundles into the OS's temporary folder when the cache folder cannot be made", async () => {
    const blocker = join(caches, "a-file");
    writeFileSync(blocker, "");
    const { cli } = await bundledGenerator(join(blocker, "cache"));
    expect(fileURLToPath(cli).startsWith(join(tmpdir(), "symgrad-generator-cache"))).toBe(true);
    expect(existsSync(fileURLToPath(cli))).toBe(true);
  });

  it("keeps a bundle in the cache folder, with a module for each library file at the file's place, and one manifest per checkout", async () => {
    const cache = join(caches, "layout");
    const { folder } = await bundledGenerator(cache);
    const names = readdirSync(cache);
    expect(names).toHaveLength(2);
    expect(names.filter((n) => /^generator-[0-9a-f]{16}$/.test(n))).toHaveLength(1);
    expect(names.filter((n) => /^generator-bundle-[0-9a-f]{12}\.json$/.test(n))).toHaveLength(1);
    const library = readdirSync(join(copy, "generator"), { recursive: true, encoding: "utf8" }).filter(
      (f) => f.endsWith(".ts") && !f.startsWith("models"),
    );
    for (const file of library)
      expect(existsSync(fileURLToPath(new URL(file.replace(/\.ts$/, ".mjs"), folder))), file).toBe(true);
  });
});
