/**
 * symgrad generate --watch: regenerate when a model file or any local file it imports changes.
 *
 * chokidar watches exactly the files each model's bundle read (load.ts); editors that save by
 * replacing a file are handled by it, which node:fs.watch on single files is not. Changes are
 * debounced, only the models whose sources changed are rebuilt, and a model that fails keeps its last
 * good module on disk while the error is printed.
 */
import { watch } from "chokidar";
import { join } from "node:path";
import { loadModelFile, type ModelFile } from "../inputs.ts";
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
      const built = await buildAll(plan, models, options.force, cache);
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

  const watched = () => new Set([...plan.files, ...[...current.values()].flatMap((m) => m.inputs)]);
  const watcher = watch([...watched()], { ignoreInitial: true, awaitWriteFinish: false });
  say(`watching ${watched().size} files for ${plan.files.length} models; Ctrl-C stops`);

  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  const onChange = (path: string) => {
    pending.add(path);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const changed = pending;
      pending = new Set();
      running = running.then(async () => {
        const affected = plan.files.filter((file) => {
          const inputs = current.get(file)?.inputs ?? [file];
          return inputs.some((input) => changed.has(input));
        });
        await reload(affected);
        await regenerate();
        watcher.add([...watched()]);
      });
    }, DEBOUNCE_MS);
  };
  watcher.on("change", onChange).on("add", onChange).on("unlink", onChange);

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
