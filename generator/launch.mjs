#!/usr/bin/env node
/**
 * `npm run generate` in this repository: symgrad's generator run from JavaScript that esbuild bundled,
 * instead of through tsx.
 *
 * Why: `generate -- --force` is CPU-bound on a 2-core machine, and tsx's start alone took ~0.27 s of
 * wall time and ~0.4 s of CPU (`node --import tsx -e 0` against `node -e 0`): its loader runs on a
 * thread of its own, through which each of the generator's ~90 source files is resolved and loaded.
 * esbuild (a dependency already: it bundles model files) bundles the generator once, in ~0.4 s, into
 * node_modules/.cache/symgrad beside TypeScript's code cache (format.ts; or, where that cannot be
 * written, in the OS's temporary folder). Later runs check that no source changed (the SHA-1 of each,
 * 10–20 ms) and import the bundle. Deleting the folder is safe: the next run bundles again.
 *
 * Each bundled file sees `import.meta.url` as its own source's URL, so whatever the generator finds
 * relative to itself (the sources of its fingerprint, package.json, ts-morph, prettier) it finds as under
 * tsx, and the modules it writes are those of `node --import tsx generator/bin.ts generate`, byte for
 * byte (test/launch.test.ts). The models of the run import the library from the bundle (load.ts:
 * useLibraryBundle). Only `generate` runs this way: the other commands start worker threads on .ts
 * files, which need tsx (`npm run symgrad -- <command>`).
 */
import { createHash } from "node:crypto";
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const LIBRARY_DIR = join(ROOT, "generator");
/** The command line's entry, in the bundle as bundle-entry.mjs. */
const CLI_ENTRY = "bundle-entry";
const DEFAULT_CACHE_DIR = join(ROOT, "node_modules", ".cache", "symgrad");
/** Where bundles go when DEFAULT_CACHE_DIR cannot be written (a read-only node_modules). */
const FALLBACK_CACHE_DIR = join(tmpdir(), "symgrad-generator-cache");
/**
 * A bundle is a folder of ES modules. Each library file (generator/ but its models) has one at its own
 * place (nn/mlp.ts is nn/mlp.mjs; the command line is bundle-entry.mjs), which only re-exports; the code
 * is in the chunks in chunks/, each once. So a model that imports any of the library's files shares the
 * run's copy of it (load.ts: useLibraryBundle).
 */
const BUNDLE_NAME = /^generator-[0-9a-f]{16}$/;
/** What `import.meta.url` becomes in the bundle: a constant each source file declares as its own URL. */
const SOURCE_URL = "__symgradSourceUrl";

const sha1 = (data) => createHash("sha1").update(data).digest("hex");
/**
 * The manifest of this checkout's bundle. A bundle holds its sources' absolute URLs, so each checkout
 * (a scratch copy in a test, say, sharing node_modules by a link) has its own.
 */
const MANIFEST = `generator-bundle-${sha1(ROOT).slice(0, 12)}.json`;

/** A file's SHA-1, or undefined if it cannot be read. */
const hashOf = (file) => {
  try {
    return sha1(readFileSync(file));
  } catch {
    return undefined;
  }
};

/** The library's files, relative to generator/: the bundle's entries. */
function libraryFiles() {
  return readdirSync(LIBRARY_DIR, { recursive: true, encoding: "utf8" })
    .map((file) => file.split(sep).join("/"))
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts") && !file.startsWith("models/"))
    .sort();
}

/**
 * What the bundle depends on besides its sources' contents: this file (the build's options), esbuild's
 * version, tsconfig.json (which esbuild reads) and which files the library has (a new one is an entry).
 */
function buildKey(entries) {
  const esbuild = JSON.parse(readFileSync(join(ROOT, "node_modules", "esbuild", "package.json"), "utf8")).version;
  return sha1(
    [hashOf(fileURLToPath(import.meta.url)), esbuild, hashOf(join(ROOT, "tsconfig.json")), ...entries].join("\n"),
  );
}

/** The manifest of the bundle in `cacheDir`, if it is there and every source it was built from is unchanged. */
function freshManifest(cacheDir, key) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(cacheDir, MANIFEST), "utf8"));
  } catch {
    return undefined;
  }
  const unchanged = ([file, hash]) => hashOf(resolve(ROOT, file)) === hash;
  const valid =
    manifest?.key === key &&
    typeof manifest.bundle === "string" &&
    BUNDLE_NAME.test(manifest.bundle) &&
    Array.isArray(manifest.inputs) &&
    manifest.inputs.every(unchanged) &&
    existsSync(join(cacheDir, manifest.bundle, `${CLI_ENTRY}.mjs`));
  return valid ? manifest : undefined;
}

/**
 * esbuild plugin: each local source declares its own URL, which `import.meta.url` is defined to. The
 * SHA-1 of each source as it was read goes into `hashes`: the manifest records what the bundle was built
 * from, even if a file is saved again while esbuild works.
 */
const sourceUrls = (hashes) => ({
  name: "symgrad-source-urls",
  setup(build) {
    build.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
      if (args.path.split(sep).includes("node_modules")) return undefined;
      const bytes = readFileSync(args.path);
      hashes.set(args.path, sha1(bytes));
      const text = bytes.toString("utf8");
      const declaration = `const ${SOURCE_URL} = ${JSON.stringify(pathToFileURL(args.path).href)}; `;
      // After a #! line, which must stay first; on the first line of code, so that line numbers stay.
      const at = text.startsWith("#!") ? text.indexOf("\n") + 1 : 0;
      return { contents: text.slice(0, at) + declaration + text.slice(at), loader: "ts" };
    });
  },
});

/** Write `text` to `file` whole or not at all (a temporary file, then a rename). */
function writeAtomic(file, text) {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** esbuild's bundle of the generator: its files, and the sources it read with their SHA-1s. */
async function bundle(entries) {
  const { build } = await import("esbuild");
  const hashes = new Map();
  const result = await build({
    entryPoints: entries.map((file) => join(LIBRARY_DIR, file)),
    bundle: true,
    // Code in chunks, shared by the entries; and what `generate` imports later (the generator's core)
    // is not loaded before its printing worker starts.
    splitting: true,
    outdir: LIBRARY_DIR, // nothing is written there (write: false): the files' paths are relative to it
    outbase: LIBRARY_DIR,
    absWorkingDir: ROOT, // messages name files from the repository's root
    entryNames: "[dir]/[name]",
    chunkNames: "chunks/[name]-[hash]",
    outExtension: { ".js": ".mjs" },
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    define: { "import.meta.url": SOURCE_URL },
    plugins: [sourceUrls(hashes)],
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const files = result.outputFiles.map((file) => ({
    path: relative(LIBRARY_DIR, file.path),
    contents: file.contents,
    hash: file.hash,
  }));
  const inputs = Object.keys(result.metafile.inputs).map((file) => {
    const path = resolve(ROOT, file);
    return [file.split(sep).join("/"), hashes.get(path) ?? hashOf(path)];
  });
  return { files, inputs };
}

/** Write the bundle into a folder of `cacheDir` named by its content, and the manifest; returns the folder. */
function writeBundle(cacheDir, key, { files, inputs }) {
  const hash = createHash("sha1");
  for (const file of files) hash.update(`${file.path}\0${file.hash}\n`);
  const name = `generator-${hash.digest("hex").slice(0, 16)}`;
  const folder = join(cacheDir, name);
  // Written whole under another name, then renamed: a run never sees half a bundle.
  if (!existsSync(folder)) {
    const temporary = `${folder}.${process.pid}.tmp`;
    try {
      for (const file of files) {
        mkdirSync(dirname(join(temporary, file.path)), { recursive: true });
        writeFileSync(join(temporary, file.path), file.contents);
      }
      renameSync(temporary, folder);
    } catch (error) {
      rmSync(temporary, { recursive: true, force: true });
      if (!existsSync(folder)) throw error; // else another run has just written the same bundle
    }
  }
  writeAtomic(join(cacheDir, MANIFEST), JSON.stringify({ key, bundle: name, inputs }, null, 1));
  pruneBundles(cacheDir, name);
  return folder;
}

/**
 * A bundle's modules are loaded as a run needs them (`--watch` runs for hours), so a bundle stays while
 * runs use it: each run marks its bundle and manifest as used (their modification times), and bundles
 * and manifests nothing used for a day are removed when a new bundle is written.
 */
const KEEP_UNUSED_MS = 24 * 3600 * 1000;

function markUsed(cacheDir, folder) {
  const now = new Date();
  for (const path of [folder, join(cacheDir, MANIFEST)]) {
    try {
      utimesSync(path, now, now);
    } catch {} // what cannot be marked is only removed sooner
  }
}

function pruneBundles(cacheDir, current) {
  try {
    for (const name of readdirSync(cacheDir)) {
      // Bundles, manifests, and what a run that died while writing them left.
      if (name === current || name === MANIFEST || !name.startsWith("generator-")) continue;
      const path = join(cacheDir, name);
      if (Date.now() - statSync(path).mtimeMs > KEEP_UNUSED_MS) rmSync(path, { recursive: true, force: true });
    }
  } catch {} // old bundles only take room
}

/**
 * The URLs of the bundled generator's folder and command line, bundled now if no fresh bundle is in
 * `cacheDir`; `built` says which.
 * A source that does not compile is reported as esbuild reports it (an Error with its `errors`).
 */
export async function bundledGenerator(cacheDir = DEFAULT_CACHE_DIR) {
  const entries = libraryFiles();
  const key = buildKey(entries);
  const dir = writable(cacheDir) ? cacheDir : FALLBACK_CACHE_DIR;
  const manifest = freshManifest(dir, key);
  const folder = manifest ? join(dir, manifest.bundle) : writeBundle(dir, key, await bundle(entries));
  markUsed(dir, folder);
  return {
    folder: pathToFileURL(`${folder}/`).href,
    cli: pathToFileURL(join(folder, `${CLI_ENTRY}.mjs`)).href,
    built: manifest === undefined,
  };
}

/** Whether `dir` is (or can be made) a folder this process can write to. */
function writable(dir) {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Run `symgrad generate …` from the bundle; the exit code is the command's. */
async function run(argv) {
  if (argv[0] !== "generate") {
    console.error(
      "generator/launch.mjs runs `symgrad generate` only; the other commands: npm run symgrad -- <command>",
    );
    return 2;
  }
  let bundled, generator;
  try {
    bundled = await bundledGenerator();
    generator = await import(bundled.cli);
  } catch (error) {
    const errors = error?.errors;
    if (!Array.isArray(errors)) throw error;
    for (const e of errors)
      console.error(`${e.location ? `${e.location.file}:${e.location.line}:${e.location.column + 1}: ` : ""}${e.text}`);
    return 1;
  }
  generator.useLibraryBundle(bundled.folder);
  generator.dropOutputToClosedPipes();
  return generator.main(argv);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) process.exitCode = await run(process.argv.slice(2));
