import { execFile } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const ROOT = resolve(import.meta.dirname, "../..");
const SOURCES = ["node", "cli", "bridge", "genesis", "contracts", "bench", "test/helpers"];
const CONFIGS = ["tsconfig.json", "tsconfig.build.json", "package.json"];

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return path.endsWith(".ts") || path.endsWith(".json") ? stat.mtimeMs : 0;
  return Math.max(0, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/**
 * dist/ as `npm run build` makes it, built only when a source is newer than it. `npm run test:e2e` builds once
 * before its files run side by side, so none of them rewrites dist/ while another runs it; a file run on its own
 * still gets a fresh build.
 */
export async function ensureBuilt(): Promise<void> {
  const marker = join(ROOT, "dist/cli/main.js");
  if (existsSync(marker)) {
    const sources = Math.max(
      ...SOURCES.map((dir) => newestMtime(join(ROOT, dir))),
      ...CONFIGS.map((file) => statSync(join(ROOT, file)).mtimeMs),
    );
    if (statSync(marker).mtimeMs >= sources) return;
  }
  await promisify(execFile)(
    process.execPath,
    [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"],
    {
      cwd: ROOT,
    },
  );
}
