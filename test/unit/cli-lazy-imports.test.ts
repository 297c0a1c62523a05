import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { heavyImports, staticImports } from "../helpers/staticImports.ts";

/**
 * Every `outrigger` run evaluates cli/main.ts and each command's definition; a command's implementation is loaded
 * by its action (`await import`). A static import of one from a definition makes every command, the node and its
 * health probe among them, pay for all of them in memory and start-up.
 */
const IMPLEMENTATIONS = [
  "cli/run/",
  "cli/devnet/",
  "cli/rpc/",
  "cli/genesisCommand.ts",
  "cli/keys/keyFiles.ts",
  "cli/keys/signingKey.ts",
  "contracts/",
  "genesis/network.ts",
  "genesis/validatorsFile.ts",
  "bridge/client/client.ts",
  "bridge/relayer/relayer.ts",
  "bridge/relayer/key.ts",
  "bridge/sidechainRpc.ts",
  "node/node.ts",
];

function implementationsLoadedBy(entry: string): string[] {
  return [...staticImports(entry).files].filter((file) =>
    IMPLEMENTATIONS.some((prefix) => file.startsWith(prefix)),
  );
}

describe("the CLI's lazy commands", () => {
  it("the walk follows the definitions, and an implementation's own imports", () => {
    const { files } = staticImports("cli/main.ts");
    for (const definition of ["cli/nodeCommand.ts", "cli/statusCommand.ts", "cli/deployCommand.ts"])
      assert.ok(files.has(definition), definition);
    assert.ok(staticImports("cli/run/node.ts").files.has("node/node.ts"));
    const deploy = implementationsLoadedBy("cli/run/deploy.ts");
    for (const file of ["cli/run/deploy.ts", "contracts/deploy.ts", "cli/keys/keyFiles.ts"])
      assert.ok(deploy.includes(file), file);
  });

  it("cli/main.ts and the command definitions load no command's implementation", () => {
    assert.deepEqual(implementationsLoadedBy("cli/main.ts"), []);
  });

  it("cli/main.ts loads neither ethers' root, wallet, providers nor contracts", () => {
    assert.deepEqual(heavyImports("cli/main.ts"), []);
  });

  it("`outrigger node` loads none of them either, unless its key is an encrypted keystore", () => {
    assert.deepEqual(heavyImports("cli/run/node.ts"), []);
  });
});
