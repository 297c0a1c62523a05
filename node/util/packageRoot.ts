import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * The folder holding the project's package.json, found by walking up from `fromDir`. Files that locate build
 * output (contract artifacts) or the CLI through it work the same from the TypeScript sources and from the
 * compiled copy in dist/, which sits one level deeper.
 */
export function packageRoot(fromDir: string): string {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${fromDir}`);
  }
}
