import { readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

/** The specifiers a file loads when it is evaluated: `import type`, `export type` and `import()` load nothing. */
function loadedSpecifiers(file: string): string[] {
  const source = readFileSync(file, "utf8");
  const statements = /^(?:import\s+|(?:import|export)(?!\s+type\s)[^;]*?\sfrom\s+)["']([^"']+)["'];/gm;
  return [...source.matchAll(statements)].map((m) => m[1] as string);
}

export interface StaticImports {
  /** Our own modules, relative to the repository, the entry included. */
  files: Set<string>;
  /** Every package loaded, with the first of our files that imports it. */
  packages: Map<string, string>;
}

/** What evaluating `entry` (relative to the repository) loads through static imports, following our own modules. */
export function staticImports(entry: string): StaticImports {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const visit = (file: string) => {
    const rel = relative(ROOT, file);
    if (files.has(rel)) return;
    files.add(rel);
    for (const specifier of loadedSpecifiers(file)) {
      if (specifier.startsWith(".")) visit(resolve(dirname(file), specifier));
      else if (!packages.has(specifier)) packages.set(specifier, rel);
    }
  };
  visit(resolve(ROOT, entry));
  return { files, packages };
}

/**
 * ethers' root and its wallet (with the wordlists) cost a process ~10 MB RSS more than the subpaths the node uses,
 * and its providers and contracts are only needed to talk to L1 (node/l1/l1Reader.ts loads them when it is
 * created). A node's memory is a goal (bench/state.ts), so a static import of one of these is a regression.
 */
const HEAVY = ["ethers", "ethers/wallet", "ethers/wordlists", "ethers/providers", "ethers/contract"];

export function heavyImports(entry: string): string[] {
  return [...staticImports(entry).packages]
    .filter(([specifier]) => HEAVY.includes(specifier))
    .map(([specifier, file]) => `${file} -> ${specifier}`);
}
