/**
 * The command line as generator/launch.mjs bundles it (with a module for each of the library's files,
 * which the models of the run import: load.ts, useLibraryBundle).
 */
export { dropOutputToClosedPipes, main } from "./cli.ts";
export { useLibraryBundle } from "./load.ts";
