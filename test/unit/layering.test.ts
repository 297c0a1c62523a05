import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";

const ROOT = resolve(import.meta.dirname, "../..");

/**
 * What each part may import (DESIGN.md §1). A part not listed imports nothing of ours. Keeping this a test means
 * a cycle or a shortcut through the layers fails CI instead of growing quietly. node/util (helpers with no domain
 * knowledge, such as the message of a thrown value) sits below everything and may be imported by any part.
 */
const ALLOWED: Record<string, string[]> = {
  "node/util": [],
  "node/crypto": [],
  "node/types": ["node/crypto"],
  "node/consensus": ["node/crypto", "node/types"],
  "node/app": ["node/crypto", "node/types"],
  "node/storage": ["node/crypto", "node/types"],
  "node/p2p": ["node/crypto", "node/types"],
  "node/rpc": ["node/crypto", "node/types"],
  "node/l1": ["node/crypto", "node/types"],
  "node/mempool": ["node/crypto", "node/types", "node/app"],
  "node/sync": ["node/crypto", "node/types", "node/consensus"],
  "node/checkpoint": ["node/crypto", "node/types", "node/consensus"],
  "node/evidence": ["node/crypto", "node/types", "node/consensus"],
  "node/chain": [
    "node/crypto",
    "node/types",
    "node/consensus",
    "node/app",
    "node/storage",
    "node/mempool",
    "node/checkpoint",
    // The verdict type on deposit claims, which the block pipeline asks for (DESIGN.md §5).
    "node/deposits",
  ],
  // The deposit path: claims confirmed against L1 (node/l1 reads it) enter the pool that blocks draw from.
  "node/deposits": ["node/crypto", "node/types", "node/l1"],
  "node/observability": ["node/crypto", "node/types"],
  // The RPC backend implementation: answers node/rpc's questions from the node's parts.
  "node/api": [
    "node/crypto",
    "node/types",
    "node/app",
    "node/chain",
    "node/storage",
    "node/mempool",
    "node/checkpoint",
    "node/deposits",
    "node/l1",
    "node/rpc",
    "node/config",
  ],
  // Each service's options derived from the genesis and the node's config (node.ts only wires).
  "node/config": [
    "node/crypto",
    "node/types",
    "node/chain",
    "node/checkpoint",
    "node/sync",
    "node/p2p",
    "node/rpc",
  ],
  contracts: ["node/crypto", "node/types", "node/util"],
  // The bridge talks to nodes over RPC only; it shares their wire types and the contract ABIs (node/types).
  bridge: ["node/crypto", "node/types"],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

function partOf(path: string): string | undefined {
  const rel = relative(ROOT, path);
  return Object.keys(ALLOWED).find((part) => rel === part || rel.startsWith(`${part}/`));
}

function localImports(file: string): string[] {
  const source = readFileSync(file, "utf8");
  return [...source.matchAll(/(?:import|export)[^;]*?from\s+["'](\.[^"']+)["']/g)].map((m) =>
    resolve(dirname(file), m[1] as string),
  );
}

describe("layering", () => {
  for (const part of Object.keys(ALLOWED).filter((p) => existsSync(join(ROOT, p)))) {
    it(`${part} imports only ${ALLOWED[part]?.join(", ") || "nothing of ours"}`, () => {
      const violations: string[] = [];
      for (const file of sourceFiles(join(ROOT, part))) {
        for (const target of localImports(file)) {
          const targetPart = partOf(target) ?? relative(ROOT, target).split("/").slice(0, 2).join("/");
          const allowed =
            ALLOWED[part]?.includes(targetPart) || (targetPart === "node/util" && part !== "node/util");
          if (targetPart !== part && !allowed) {
            violations.push(`${relative(ROOT, file)} -> ${relative(ROOT, target)}`);
          }
        }
      }
      assert.deepEqual(violations, []);
    });
  }
});
