import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { describe, it } from "node:test";

const ROOT = resolve(import.meta.dirname, "../..");

/**
 * ethers' root and its wallet (with the wordlists) cost a process ~10 MB RSS more than the subpaths the node uses,
 * and its providers and contracts are only needed to talk to L1 (node/l1/l1Reader.ts loads them when it is
 * created). A node's memory is a goal (bench/state.ts), so a static import of one of these is a regression.
 */
const HEAVY = ["ethers", "ethers/wallet", "ethers/wordlists", "ethers/providers", "ethers/contract"];

/** The specifiers a file loads when it is evaluated: `import type` and `export type` load nothing. */
function loadedSpecifiers(file: string): string[] {
  const source = readFileSync(file, "utf8");
  const statements = /^(?:import\s+|(?:import|export)(?!\s+type\s)[^;]*?\sfrom\s+)["']([^"']+)["'];/gm;
  return [...source.matchAll(statements)].map((m) => m[1] as string);
}

/** Every package `entry` loads statically, through our own modules, with the file that imports it. */
function packagesLoadedBy(entry: string): Map<string, string> {
  const packages = new Map<string, string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const specifier of loadedSpecifiers(file)) {
      if (specifier.startsWith(".")) visit(resolve(dirname(file), specifier));
      else if (!packages.has(specifier)) packages.set(specifier, relative(ROOT, file));
    }
  };
  visit(resolve(ROOT, entry));
  return packages;
}

function heavyImports(entry: string): string[] {
  return [...packagesLoadedBy(entry)]
    .filter(([specifier]) => HEAVY.includes(specifier))
    .map(([specifier, file]) => `${file} -> ${specifier}`);
}

describe("ethers imports", () => {
  it("the walk finds the subpaths the node does load", () => {
    const packages = packagesLoadedBy("node/node.ts");
    for (const subpath of ["ethers/abi", "ethers/hash", "ethers/utils", "ethers/transaction"])
      assert.ok(packages.has(subpath), subpath);
  });

  it("the node loads neither ethers' root, wallet nor L1 client until it connects to L1", () => {
    assert.deepEqual(heavyImports("node/node.ts"), []);
  });

  it("bench:state loads only what the node loads, not the tests' wallets", () => {
    assert.deepEqual(heavyImports("bench/state.ts"), []);
  });

  it("finds a root import through the test helpers", () => {
    assert.deepEqual(heavyImports("test/helpers/appFixture.ts"), ["test/helpers/appFixture.ts -> ethers"]);
  });
});
