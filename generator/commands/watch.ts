/**
 * symgrad generate --watch: regenerate when a model file or any local file it imports changes.
 *
 * chokidar watches exactly the files each model's bundle read (load.ts); editors that save by
 * replacing a file are handled by it, which node:fs.watch on single files is not. Changes are
 * debounced, only the models whose sources changed are rebuilt, and a model that fails keeps its last
 * good module on disk while the error is printed. When the models were named by globs, the folders the
 * globs start from are watched too: a new file that matches is loaded and generated, and a model file
 * that is deleted has its module removed (as a run without --watch would).
 */
import { watch } from "chokidar";
import { existsSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import { expandInputs, isDynamicPattern, loadModelFile, type ModelFile } from "../inputs.ts";
import { portable } from "../out-dir.ts";
import { buildAll, writeBuild, type Plan } from "./generate.ts";
import { regenerationLine } from "./report.ts";
import type { GeneratedModule } from "../pipeline.ts";

const DEBOUNCE_MS = 100;

export async function watchModels(plan: Plan, options: { quiet: boolean; force: boolean }): Promise<number> {
  const say = (line: string) => {
    if (!options.quiet) console.log(line);
  };
  const shown = (file: string) => portable(process.cwd(), file);
  const current = new Map<string, ModelFile>(); // model file → its last good load
  let files = [...plan.files]; // the model files the patterns match now
  const cache = new Map<string, GeneratedModule>(); // stamp → module built from it

  async function reload(files: readonly string[]): Promise<void> {
    for (const file of files) {
      try {
        current.set(file, await loadModelFile(file, shown(file)));
      } catch (error) {
        console.error(`error: ${(error as Error).message}`);
      }
    }
  }

  async function regenerate(): Promise<void> {
    try {
      const models = [...current.values()];
      const start = performance.now();
      const built = await buildAll({ ...plan, files }, models, options.force, cache);
      const { written, removed } = writeBuild(plan.out, built);
      const fresh = built.rebuilt;
      const ms = (performance.now() - start) / Math.max(fresh.length, 1);
      for (const m of fresh) say(regenerationLine(m, ms));
      for (const f of removed) say(`removed ${shown(join(plan.out, f))}`);
      if (written.length === 0 && fresh.length > 0) say("(output unchanged)");
    } catch (error) {
      console.error(`error: ${(error as Error).message} (keeping the last good output)`);
    }
  }

  await reload(plan.files);
  await regenerate();

  const globFolders = plan.patterns.filter((p) => !p.startsWith("!") && isDynamicPattern(p)).map(staticBase);
  const watched = () => new Set([...files, ...[...current.values()].flatMap((m) => m.inputs)]);
  // The output folder is never an input: writing the modules must not look like a new model file.
  const inOut = (path: string) => path === plan.out || path.startsWith(plan.out + sep);
  const watcher = watch([...watched(), ...globFolders], { ignoreInitial: true, awaitWriteFinish: false, ignored: inOut });
  // Until chokidar's first scan is done, a new file counts as an initial one and is not reported: say
  // "watching" only then, and pick up model files that appeared since the patterns were expanded.
  await new Promise<void>((ready) => watcher.once("ready", ready));
  if (globFolders.length > 0) {
    const added = await rescan();
    if (added.length > 0) {
      await reload(added);
      await regenerate();
      watcher.add([...watched()]);
    }
  }
  say(`watching ${count(watched().size, "file")} for ${count(files.length, "model")}; Ctrl-C stops`);

  /** Re-expands the patterns after a file was added or removed; returns the model files that are new. */
  async function rescan(): Promise<string[]> {
    let matched: string[];
    try {
      matched = await expandInputs(plan.patterns);
    } catch (error) {
      console.error(`error: ${(error as Error).message}`);
      matched = files.filter((file) => existsSync(file));
    }
    const added = matched.filter((file) => !files.includes(file));
    for (const file of files) if (!matched.includes(file)) current.delete(file);
    files = matched;
    return added;
  }

  let pending = new Set<string>();
  let filesAddedOrRemoved = false;
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  const onEvent = (event: "add" | "change" | "unlink") => (path: string) => {
    pending.add(path);
    if (event !== "change") filesAddedOrRemoved = true;
    clearTimeout(timer);
    timer = setTimeout(() => {
      const changed = pending;
      const rescanNeeded = filesAddedOrRemoved && globFolders.length > 0;
      pending = new Set();
      filesAddedOrRemoved = false;
      running = running.then(async () => {
        const added = rescanNeeded ? await rescan() : [];
        const affected = files.filter((file) => {
          const inputs = current.get(file)?.inputs ?? [file];
          return added.includes(file) || inputs.some((input) => changed.has(input));
        });
        await reload(affected);
        await regenerate();
        watcher.add([...watched()]);
      });
    }, DEBOUNCE_MS);
  };
  watcher.on("change", onEvent("change")).on("add", onEvent("add")).on("unlink", onEvent("unlink"));

  return new Promise((done) => {
    process.once("SIGINT", () => {
      clearTimeout(timer);
      void running.then(() => watcher.close()).then(() => {
        say("stopped watching");
        done(0);
      });
    });
  });
}

/** The folder a glob starts from: its path up to the first segment with a wildcard (/app/src for /app/src/models/*.ts). */
function staticBase(pattern: string): string {
  const segments = pattern.split("/");
  const firstWild = segments.findIndex((segment) => isDynamicPattern(segment));
  if (firstWild < 0) return dirname(pattern); // a wildcard spanning segments, e.g. {a/b,c}: watch the parent
  return segments.slice(0, firstWild).join("/") || "/";
}

/** "1 file", "3 files". */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
