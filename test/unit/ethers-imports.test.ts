import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { heavyImports, staticImports } from "../helpers/staticImports.ts";

describe("ethers imports", () => {
  it("the walk finds the subpaths the node does load", () => {
    const { packages } = staticImports("node/node.ts");
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
