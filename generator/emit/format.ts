/**
 * prettier, with symgrad's own fixed options: generated text must not depend on the prettier
 * configuration of whatever project runs the generator. (The repository's .prettierrc.json says the
 * same for hand-written code.)
 *
 * A module reaches the formatter as ts-morph structures (print.ts), or as text. Two ways to run them:
 * in this thread (formatInThisThread), or on a worker thread (FormatWorker), which `symgrad generate`
 * uses so that ts-morph prints and prettier formats one module while the main thread differentiates
 * the next: loading ts-morph, printing and prettier are half of a full rebuild's work, and the machine
 * has a second core.
 */
import type { Options as PrettierOptions } from "prettier";
import { createRequire } from "node:module";
import { join, sep } from "node:path";
import { Worker } from "node:worker_threads";
import { printModule, type ModuleStructure } from "./print.ts";

const OPTIONS: PrettierOptions = {
  parser: "babel-ts",
  printWidth: 120,
  trailingComma: "all",
  semi: true,
  singleQuote: false,
};

/**
 * prettier is imported on first use, not with this module: `symgrad generate` imports this module for
 * FormatWorker, and its main thread never formats (importing prettier there took ~0.5 s before the
 * worker could even start).
 */
export async function formatTypeScript(source: string): Promise<string> {
  const prettier = await import("prettier");
  return prettier.format(source, OPTIONS);
}

/** Prints (ts-morph, for structures) and formats a module; `seconds` is the time that took. */
export type Formatter = (module: string | ModuleStructure) => Promise<{ text: string; seconds: number }>;

/** Printing and prettier in this thread (ts-morph loaded on first use). */
export const formatInThisThread: Formatter = async (module) => {
  const start = performance.now();
  const text = await formatTypeScript(typeof module === "string" ? module : printModule(module));
  return { text, seconds: (performance.now() - start) / 1000 };
};

/**
 * The worker's code: plain JavaScript, so that it runs without a TypeScript loader; its printing is
 * print.ts's printModule. It loads ts-morph and prettier, and formats an empty file, at once: while the
 * main thread is still running model files. Its prettier is the standalone build with the babel and
 * estree plugins, the same formatter as the Node build that formatTypeScript imports (the tests compare
 * the two on every shipped model) in three minified files, loaded at once: the Node build loads its
 * plugins on first use. In alternating runs of `npm run generate -- --force` (ten each, medians): 3558
 * against 3344 ms, and 3386 against 3170 ms.
 *
 * A module is formatted statement by statement, and a statement whose printed text this worker has
 * formatted before is not formatted again: the modules of one run share a fifth of their text (_exp,
 * _expm1, the activation kernels, the heads, the argument errors), and prettier is most of a full
 * rebuild's work. prettier formats top-level statements independently of one another except for the
 * blank lines between them, which it keeps (one at most) where the printed file has them; so the
 * statements' formatted texts, joined with a blank line where the whole printed file has one, are the
 * whole file formatted (test/format.test.ts compares the two for every shipped model). A statement is
 * printed on its own, once per run however many modules have it, and ts-morph's rule for the blank
 * lines between statements is applied to the texts (printStatements): printing every statement alone
 * and the module whole, to find the statements in it, took the worker ~2.5 times as long.
 *
 * ts-morph loads TypeScript's compiler (9 MB of JavaScript, of which printing structures runs nothing)
 * and its own 4 MB, and parsing them is the largest part of the worker's start. The worker compiles them,
 * and prettier's, from V8 code caches when there are (requireWithCodeCache), and registers them as
 * Node's own load would, so that ts-morph finds them loaded. TypeScript's alone: require("ts-morph") took
 * 467 ms instead of 652 (medians of five fresh processes), and a whole `npm run generate -- --force`
 * 3272 ms instead of 3406 (eight alternating runs).
 *
 * The statements a module needs formatted go to prettier in one call, each on its own after a
 * BOUNDARY comment line, and the result is cut at those lines: each call normalizes prettier's options
 * anew, which cost ~0.15 s over the ~600 statement-sized calls of a full rebuild. A comment on its own
 * line stays on its own line, so the cut gives each statement's text as prettier gives it alone
 * (test/format.test.ts checks); should the cut not give one piece per statement, they are formatted one
 * by one.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
/**
 * The worker's large CommonJS files (TypeScript's compiler, ts-morph, prettier's standalone build and
 * plugins) compiled from V8 code caches in cacheDir, and registered as Node's own load would register
 * them, so that ts-morph's require() of @ts-morph/common and of TypeScript finds them loaded.
 *
 * A cache is written once the worker has formatted its first module (writeCodeCaches), not right after
 * the file's top level has run: by then V8 has compiled the parsing and printing functions that every
 * run needs, and the cache holds them too, so a later run neither parses those files nor compiles
 * those functions lazily. (Measured in one process, first run without caches against later runs with:
 * loading the six files 500–580 ms against 190–240 ms, formatting seed.ts 440–510 ms against 357–377 ms.)
 * V8 checks a cache against its own version, its flags and the source's length only, so a cache's name
 * holds what identifies the file (its package's version, size and modification time, which an edit
 * changes: hashing typescript.js's 9 MB took 25–50 ms of the worker's start, which is on \`generate\`'s
 * critical path), Node's version and architecture, and a hash of the V8 flags this process set at run
 * time (\`flagsSet\`: \`generate\` raises the interrupt budget while it warms up, tests and --watch do
 * not), so that such runs keep a cache each instead of replacing each other's. The caches are written
 * before the warm-up flags are set back (flagsLater), under the flags they are named by. Flags given to
 * node itself are rare: under them V8 rejects the caches, and they are replaced. Any failure to read or
 * write a cache leaves the file loaded without one.
 */
const codeCaches = {
  dir: workerData.codeCacheDir,
  flagsHash: require("node:crypto").createHash("sha1").update(workerData.v8FlagsSet).digest("hex").slice(0, 8),
  /** What happened to each file's cache: "used", "missing", "rejected" or "unavailable". */
  uses: [],
  /** Compiled scripts whose cache is to be written, with where. */
  pending: [],
  written: false,
};
/** The version in the package.json nearest above \`file\`. */
function packageVersion(file) {
  const fs = require("node:fs"), path = require("node:path");
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      const version = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).version;
      if (typeof version === "string") return version;
    } catch {}
  }
  return "";
}
/** \`require(file)\`, compiled from its code cache when V8 accepts one (see codeCaches). */
function requireWithCodeCache(stem, file) {
  if (!codeCaches.dir) return require(file);
  const fs = require("node:fs"), path = require("node:path"), Module = require("node:module");
  let bytes, identity;
  try {
    bytes = fs.readFileSync(file);
    const { size, mtimeMs } = fs.statSync(file);
    identity = packageVersion(file) + " " + size + " " + mtimeMs;
  } catch {
    codeCaches.uses.push("unavailable"); // another layout of the packages: Node loads the file as it does
    return require(file);
  }
  const sha1 = (data) => require("node:crypto").createHash("sha1").update(data).digest("hex");
  const prefix = stem + "-" + sha1(identity).slice(0, 16) + "-node" + process.version + "-" + process.arch + "-";
  const cacheFile = path.join(codeCaches.dir, prefix + codeCaches.flagsHash + ".v8cache");
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {}
  const script = new (require("node:vm").Script)(Module.wrap(bytes.toString("utf8")), { filename: file, cachedData });
  const loaded = new Module(file, null);
  loaded.filename = file;
  loaded.paths = Module._nodeModulePaths(path.dirname(file));
  script.runInThisContext()(loaded.exports, Module.createRequire(file), loaded, file, path.dirname(file));
  loaded.loaded = true;
  require.cache[file] = loaded;
  const use = cachedData === undefined ? "missing" : script.cachedDataRejected ? "rejected" : "used";
  codeCaches.uses.push(use);
  if (use !== "used") codeCaches.pending.push({ stem, prefix, script, cacheFile });
  return loaded.exports;
}
/**
 * Writes the caches that were missing or rejected (once), removes the same files' caches of other
 * versions, and reports what happened: "used" (every cache), "written" (none existed), "replaced" (some
 * were rejected or missing), "not written", "unavailable" or "off".
 */
function writeCodeCaches() {
  if (codeCaches.written) return;
  codeCaches.written = true;
  const fs = require("node:fs"), path = require("node:path");
  const { dir, uses, pending } = codeCaches;
  let failed = false;
  for (const { script, cacheFile } of pending) {
    const temporary = cacheFile + "." + process.pid + "-" + require("node:worker_threads").threadId + ".tmp";
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(temporary, script.createCachedData());
      fs.renameSync(temporary, cacheFile);
    } catch {
      failed = true;
      try {
        fs.rmSync(temporary, { force: true });
      } catch {}
    }
  }
  // Caches of other versions of these files, or of Node, would only grow the folder (they stay if that fails).
  try {
    for (const name of pending.length > 0 ? fs.readdirSync(dir) : []) {
      const stale = pending.some(({ stem, prefix }) => name.startsWith(stem + "-") && name.endsWith(".v8cache") && !name.startsWith(prefix) && /^[0-9a-f]{16}-node/.test(name.slice(stem.length + 1)));
      if (stale) fs.rmSync(path.join(dir, name), { force: true });
    }
  } catch {}
  const report = !dir ? "off"
    : uses.every((use) => use === "unavailable") ? "unavailable"
    : failed ? "not written"
    : uses.every((use) => use === "used" || use === "unavailable") ? "used"
    : uses.every((use) => use === "missing" || use === "unavailable") ? "written"
    : "replaced";
  codeCaches.pending = [];
  parentPort.postMessage({ codeCache: report });
}
if (workerData.flagsLater) {
  const { flags, atEpochMs } = workerData.flagsLater;
  setTimeout(() => {
    writeCodeCaches(); // under the flags their names hold
    require("node:v8").setFlagsFromString(flags);
  }, Math.max(0, atEpochMs - Date.now())).unref();
}
/** ts-morph, with @ts-morph/common and the TypeScript it bundles compiled from code caches first. */
function loadTsMorph(tsMorphPath) {
  const path = require("node:path");
  try {
    const common = require.resolve("@ts-morph/common", { paths: [path.dirname(tsMorphPath)] });
    requireWithCodeCache("typescript", path.join(path.dirname(common), "typescript.js"));
    requireWithCodeCache("ts-morph-common", common);
  } catch {
    codeCaches.uses.push("unavailable"); // another layout of ts-morph's packages: it loads them as it does
  }
  return requireWithCodeCache("ts-morph", tsMorphPath);
}
const { printStructure, StructureKind } = loadTsMorph(workerData.tsMorphPath);
/** prettier's standalone build with the plugins it needs (loaded at once; the Node build loads its own on first use). */
const ready = (async () => {
  const prettier = requireWithCodeCache("prettier-standalone", workerData.prettier.standalone);
  const plugins = workerData.prettier.plugins.map(([stem, file]) => requireWithCodeCache(stem, file));
  const options = { ...workerData.options, plugins };
  await prettier.format("", options);
  return { format: (text) => prettier.format(text, options) };
})();
const structure = (s) => (typeof s === "string" ? s : { ...s, kind: StructureKind[s.kind] });
/**
 * Statement → its text as ts-morph prints it alone (trimmed), keyed by the statement's JSON (or its text,
 * for a statement given as text): the modules of a run share most of their statements (the loop
 * functions, the helpers), and printing, at a few MB/s, was a tenth of the worker's time. Bounded like
 * formattedStatements.
 */
const printedStatements = new Map();
/**
 * The kinds before which ts-morph's printer puts a blank line (StatementStructurePrinter: "ensureBlankLine"),
 * besides after any statement whose text ends with "}".
 */
const BLANK_LINE_BEFORE = new Set(["Function", "Class", "Interface", "Module", "Enum"]);
/**
 * Each statement's text, and whether the module as ts-morph prints it has a blank line before it. That
 * printer puts a blank line before a statement when the text so far ends with "}", or when the statement
 * is a function, class, interface, namespace or enum, and a line break otherwise; so a statement's place
 * in the printed module is its text printed alone, and printing the module whole is not needed (the
 * tests compare the result with the whole module printed and formatted, for every shipped model). A
 * statement given as text with blank lines of its own around it (none of symgrad's) is printed whole.
 */
function printStatements(statements) {
  if (statements.some((s) => typeof s === "string" && s !== s.trim())) return printWithSpans(statements);
  if (printedStatements.size + statements.length > workerData.maxRememberedStatements) printedStatements.clear();
  const pieces = [];
  const blankBefore = [];
  let last = "";
  for (const s of statements) {
    const key = typeof s === "string" ? s : JSON.stringify(s);
    let text = printedStatements.get(key);
    if (text === undefined) {
      text = printStructure({ kind: StructureKind.SourceFile, statements: [structure(s)] }).trim();
      printedStatements.set(key, text);
    }
    if (text === "") continue; // prints nothing, and the line breaks around it are "if the last is not one"
    blankBefore.push(pieces.length > 0 && (last.endsWith("}") || (typeof s !== "string" && BLANK_LINE_BEFORE.has(s.kind))));
    pieces.push(text);
    last = text;
  }
  return { pieces, blankBefore };
}
/**
 * The module printed once, and each statement's text in it (without the blank lines around it), for
 * printStatements' rare case: a writer function before each statement and after the last records the
 * writer's length there. ts-morph runs such a function as a statement that writes nothing; the line
 * breaks it puts before a statement ("newline if the last is not one", "blank line if the last is not
 * one") are the same whether or not a marker came first.
 */
function printWithSpans(statements) {
  const marks = [];
  const mark = (writer) => void marks.push(writer.getLength());
  const whole = printStructure({ kind: StructureKind.SourceFile, statements: [...statements.flatMap((s) => [mark, structure(s)]), mark] });
  const pieces = [];
  const blankBefore = [];
  let end = 0;
  for (let k = 0; k + 1 < marks.length; k++) {
    const raw = whole.slice(marks[k], marks[k + 1]);
    if (raw.trim() === "") continue; // a statement that prints nothing
    const start = marks[k] + (raw.length - raw.trimStart().length);
    blankBefore.push(pieces.length > 0 && whole.slice(end, start).split("\\n").length > 2);
    pieces.push(raw.trim());
    end = start + raw.trim().length;
  }
  return { pieces, blankBefore };
}
/** Printed statement → prettier's text of it, for the modules this worker formats (bounded: --watch keeps a worker for hours). */
const formattedStatements = new Map();
const BOUNDARY = "// symgrad: statement boundary";
/** prettier's text of each statement (the remembered ones as remembered, the others formatted in one call). */
async function formatStatements(prettier, pieces) {
  if (formattedStatements.size + pieces.length > workerData.maxRememberedStatements) formattedStatements.clear();
  // This module's texts are kept here: the memory may be cleared by another module's request while
  // this one waits for prettier.
  const texts = new Map(pieces.filter((piece) => formattedStatements.has(piece)).map((piece) => [piece, formattedStatements.get(piece)]));
  const fresh = [...new Set(pieces.filter((piece) => !texts.has(piece)))];
  const remember = (piece, text) => {
    texts.set(piece, text);
    formattedStatements.set(piece, text);
  };
  const cut = fresh.length > 0 ? (await prettier.format(fresh.join("\\n" + BOUNDARY + "\\n"))).split("\\n" + BOUNDARY + "\\n") : [];
  if (cut.length === fresh.length) {
    // A piece keeps its own line breaks, but loses the blank lines a statement alone would not start with.
    cut.forEach((text, k) => remember(fresh[k], text.replace(/^\\n+/, "").replace(/\\n*$/, "\\n")));
  } else {
    for (const piece of fresh) remember(piece, await prettier.format(piece));
  }
  return pieces.map((piece) => texts.get(piece));
}
async function formatModule(prettier, statements) {
  const { pieces, blankBefore } = printStatements(statements);
  const texts = await formatStatements(prettier, pieces);
  let text = "";
  for (let k = 0; k < pieces.length; k++) text += (blankBefore[k] ? "\\n" : "") + texts[k];
  return text;
}
parentPort.on("message", async ({ id, module }) => {
  try {
    const start = performance.now();
    const prettier = await ready;
    const text = typeof module === "string" ? await prettier.format(module) : await formatModule(prettier, module.statements);
    parentPort.postMessage({ id, text, seconds: (performance.now() - start) / 1000 });
    writeCodeCaches(); // once: now they hold what formatting a module compiles
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
`;

/** V8 flags for the worker thread to set at a given time (V8's flags are the whole process's). */
export interface V8FlagsLater {
  readonly flags: string;
  /** When, as a Date.now() time; a time already past means at once. */
  readonly atEpochMs: number;
}

/** What the worker did with its code caches (writeCodeCaches in its source). */
export type CodeCacheUse = "off" | "unavailable" | "used" | "written" | "replaced" | "not written";

export interface FormatWorkerOptions {
  /**
   * The folder of the worker's V8 code cache of TypeScript's compiler, or false for none; by default
   * .cache/symgrad in the node_modules folder that holds ts-morph.
   */
  readonly codeCacheDir?: string | false;
  /**
   * V8 flags this process has set with setFlagsFromString (generate.ts raises the interrupt budget while it
   * warms up). V8 rejects a code cache made under other flags, so the cache is kept per such set.
   */
  readonly v8FlagsSet?: string;
  /** V8 flags the worker thread sets at a given time (generate.ts ends its warm-up setting so). */
  readonly flagsLater?: V8FlagsLater;
  /** Statements whose formatted text the worker keeps (default 4096: --watch keeps a worker for hours); tests set fewer. */
  readonly maxRememberedStatements?: number;
}

type Reply = { id: number; text: string; seconds: number } | { id: number; error: string } | { codeCache: CodeCacheUse };

/** .cache/symgrad in the node_modules folder that holds `file` (where build tools keep their caches), if any. */
function defaultCodeCacheDir(file: string): string | undefined {
  const at = file.lastIndexOf(`${sep}node_modules${sep}`);
  return at < 0 ? undefined : join(file.slice(0, at), "node_modules", ".cache", "symgrad");
}

/** ts-morph and prettier on a worker thread, started at once; close() ends it (the process cannot exit before). */
export class FormatWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (r: { text: string; seconds: number }) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private closed = false;
  /** Why the worker died (it failed to start, or stopped): every later request fails with it at once. */
  private failure: Error | undefined;
  /** What the worker did with its code caches, once it has formatted its first module (or set its flags back). */
  readonly codeCache: Promise<CodeCacheUse>;

  constructor(options: FormatWorkerOptions = {}) {
    const require = createRequire(import.meta.url);
    const tsMorphPath = require.resolve("ts-morph");
    const workerData = {
      prettier: {
        standalone: require.resolve("prettier/standalone"),
        plugins: [
          ["prettier-babel", require.resolve("prettier/plugins/babel")],
          ["prettier-estree", require.resolve("prettier/plugins/estree")],
        ],
      },
      tsMorphPath,
      codeCacheDir: options.codeCacheDir === false ? undefined : (options.codeCacheDir ?? defaultCodeCacheDir(tsMorphPath)),
      v8FlagsSet: options.v8FlagsSet ?? "",
      options: OPTIONS,
      flagsLater: options.flagsLater,
      maxRememberedStatements: options.maxRememberedStatements ?? 4096,
    };
    // No node flags: the worker needs no TypeScript loader (--import tsx would cost it a start-up of
    // its own), and V8's flags are the process's anyway (a worker refuses them in execArgv).
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData, execArgv: [] });
    let reportCodeCache: (use: CodeCacheUse) => void = () => {};
    this.codeCache = new Promise((resolve) => (reportCodeCache = resolve));
    this.worker.on("message", (reply: Reply) => {
      if ("codeCache" in reply) {
        reportCodeCache(reply.codeCache);
        return;
      }
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if ("error" in reply) waiting?.reject(new Error(`printing or formatting a module: ${reply.error}`));
      else waiting?.resolve({ text: reply.text, seconds: reply.seconds });
    });
    this.worker.on("error", (error) => this.failAll(error));
    this.worker.on("exit", (code) => {
      if (!this.closed) this.failAll(new Error(`the printing worker thread stopped (exit code ${code})`));
    });
  }

  readonly format: Formatter = (module) => {
    if (this.closed) return Promise.reject(new Error("the printing worker thread is closed"));
    // A dead worker answers nothing: a request posted to it would never settle, and the process would
    // end with nothing to show for it (exit code 13, an unsettled top-level await).
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const result = new Promise<{ text: string; seconds: number }>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.worker.postMessage({ id, module });
    return result;
  };

  private failAll(error: Error): void {
    this.failure ??= error;
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }

  /** Ends the worker (again: nothing); results still pending are dropped (their promises never settle). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pending.clear();
    await this.worker.terminate();
  }
}
