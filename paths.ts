/**
 * The project's root folder, for the few files read at run time (migrations, the workflow
 * sources, the replay child). Modules name their files from here rather than from their own
 * `import.meta.url`, which in a built entry point (`.build/worker.mjs`, one folder down) is the
 * built file's.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Defined (true) by esbuild in a built entry point; see scripts/entry-points.ts. */
declare const __BUILT_ENTRY_POINT__: boolean | undefined;

const built = typeof __BUILT_ENTRY_POINT__ !== 'undefined' && __BUILT_ENTRY_POINT__;

export const projectRoot = fileURLToPath(new URL(built ? '..' : '.', import.meta.url));

/** A path inside the project. */
export const projectPath = (...parts: string[]): string => path.join(projectRoot, ...parts);
