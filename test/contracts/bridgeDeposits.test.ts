import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { AbiCoder, type Contract, type ContractTransactionReceipt, id as selectorHash } from "ethers";
import { type Address, type Hex, toAddress } from "../../node/crypto/index.ts";
import {
  type DepositHashFields,
  depositHash,
  ETH_METADATA,
  ETH_TOKEN,
  FALLBACK_METADATA,
} from "../../node/types/index.ts";
import { balanceOf, revertTo, snapshot } from "./support/chain.ts";
import { addressOf, deployArtifact, deployFixture, type Fixture, send, view } from "./support/fixture.ts";
import { makeValidators } from "./support/keys.ts";
import { expectRevert } from "./support/revert.ts";

const L2_RECIPIENT: Address = `0x${"a2".repeat(20)}`;
const ONE = 10n ** 18n;
const abi = AbiCoder.defaultAbiCoder();
const selector = (signature: string) => selectorHash(signature).slice(0, 10);
const NAME = selector("name()");
const SYMBOL = selector("symbol()");
const DECIMALS = selector("decimals()");

enum Mode {
  Missing = 0,
  Raw = 1,
  Revert = 2,
  BurnGas = 3,
}

type DepositedEvent = DepositHashFields;

async function depositedEvent(f: Fixture, tx: Promise<ContractTransactionReceipt>): Promise<DepositedEvent> {
  const receipt = await tx;
  const log = receipt.logs.map((l) => f.bridge.interface.parseLog(l)).find((e) => e?.name === "Deposited");
  assert.ok(log, "a Deposited event");
  const [nonce, token, from, to, amount, name, symbol, decimals] = log.args;
  return {
    nonce: nonce as bigint,
    l1Token: toAddress(token as string),
    from: toAddress(from as string),
    to: toAddress(to as string),
    amount: amount as bigint,
    name: name as string,
    symbol: symbol as string,
    decimals: Number(decimals),
  };
}

/** The bridge's deposit-side state, to show a refused deposit changed nothing. */
async function depositState(f: Fixture, token: Contract | null) {
  return {
    nextNonce: await view<bigint>(f.bridge, "nextDepositNonce"),
    hash0: await view<string>(f.bridge, "depositHash", 0),
    eth: await balanceOf(f.deployment.bridge),
    tokens: token === null ? 0n : await view<bigint>(token, "balanceOf", f.deployment.bridge),
  };
}

describe("Bridge deposits", () => {
  let f: Fixture;
  let user: Address;
  let clean: string;
  const tokens: Record<"plain" | "fee" | "minimal" | "raw", Contract> = {} as Record<
    "plain" | "fee" | "minimal" | "raw",
    Contract
  >;

  async function tokenWithBalance(name: string, args: readonly unknown[] = []): Promise<Contract> {
    const token = await deployArtifact(name, f.user, args);
    await send(token, "mint", user, 1000n * ONE);
    await send(token, "approve", f.deployment.bridge, 1000n * ONE);
    return token;
  }

  before(async () => {
    f = await deployFixture(makeValidators(4));
    user = await addressOf(f.user);
    // Tokens are created once, before the snapshot every test starts from.
    tokens.plain = await tokenWithBalance("TestToken", ["Test Token", "TT", 6]);
    tokens.fee = await tokenWithBalance("FeeOnTransferToken");
    tokens.minimal = await tokenWithBalance("MinimalToken");
    tokens.raw = await tokenWithBalance("RawMetadataToken");
    clean = await snapshot();
  });
  beforeEach(async () => {
    await revertTo(clean);
    clean = await snapshot();
  });
  after(async () => {
    await revertTo(clean);
  });

  async function depositToken(token: Contract, amount: bigint): Promise<DepositedEvent> {
    return depositedEvent(f, send(f.bridge, "depositERC20", await token.getAddress(), amount, L2_RECIPIENT));
  }

  it("numbers ETH deposits from 0 and stores the hash the TypeScript side computes", async () => {
    for (const [nonce, amount] of [
      [0n, ONE],
      [1n, 3n * ONE],
    ] as const) {
      const event = await depositedEvent(f, send(f.bridge, "depositETH", L2_RECIPIENT, { value: amount }));
      const expected: DepositedEvent = {
        nonce,
        l1Token: ETH_TOKEN,
        from: user,
        to: L2_RECIPIENT,
        amount,
        ...ETH_METADATA,
      };
      assert.deepEqual(event, expected);
      assert.equal(await view<string>(f.bridge, "depositHash", nonce), depositHash(expected));
    }
    assert.equal(await view<bigint>(f.bridge, "nextDepositNonce"), 2n);
    assert.equal(await balanceOf(f.deployment.bridge), 4n * ONE);
  });

  it("refuses a zero ETH deposit and a zero recipient, changing nothing", async () => {
    const before = await depositState(f, null);
    await expectRevert(
      f.bridge.getFunction("depositETH")(L2_RECIPIENT, { value: 0n }),
      f.bridge.interface,
      "ZeroAmount",
    );
    await expectRevert(
      f.bridge.getFunction("depositETH")(`0x${"00".repeat(20)}`, { value: ONE }),
      f.bridge.interface,
      "ZeroAddress",
    );
    assert.deepEqual(await depositState(f, null), before);
  });

  it("locks an ERC20 and carries its name, symbol and decimals in the event and the hash", async () => {
    const token = tokens.plain;
    const event = await depositToken(token, 5n * ONE);
    const expected: DepositedEvent = {
      nonce: 0n,
      l1Token: toAddress(await token.getAddress()),
      from: user,
      to: L2_RECIPIENT,
      amount: 5n * ONE,
      name: "Test Token",
      symbol: "TT",
      decimals: 6,
    };
    assert.deepEqual(event, expected);
    assert.equal(await view<string>(f.bridge, "depositHash", 0), depositHash(expected));
    assert.equal(await view<bigint>(token, "balanceOf", f.deployment.bridge), 5n * ONE);
  });

  it("credits what a fee-on-transfer token actually delivered, not what was asked", async () => {
    const token = tokens.fee;
    const event = await depositToken(token, 1000n);
    assert.equal(event.amount, 990n, "1% fee taken in transit");
    assert.equal(await view<bigint>(token, "balanceOf", f.deployment.bridge), 990n);
    assert.equal(await view<string>(f.bridge, "depositHash", 0), depositHash(event));
    assert.equal(event.name, "Fee Token");
  });

  it("refuses a deposit of a token that delivers nothing, changing nothing", async () => {
    const token = tokens.fee;
    await send(token, "setFee", 10_000);
    const before = await depositState(f, token);
    await expectRevert(
      f.bridge.getFunction("depositERC20")(await token.getAddress(), ONE, L2_RECIPIENT),
      f.bridge.interface,
      "ZeroAmount",
    );
    assert.deepEqual(await depositState(f, token), before);
  });

  it("refuses the zero address as a token and zero amounts", async () => {
    await expectRevert(
      f.bridge.getFunction("depositERC20")(ETH_TOKEN, ONE, L2_RECIPIENT),
      f.bridge.interface,
      "ZeroAddress",
    );
    const token = tokens.plain;
    await expectRevert(
      f.bridge.getFunction("depositERC20")(await token.getAddress(), 0n, L2_RECIPIENT),
      f.bridge.interface,
      "ZeroAmount",
    );
    assert.equal(await view<bigint>(f.bridge, "nextDepositNonce"), 0n);
  });

  it("falls back to empty name and symbol and 18 decimals for a token without metadata", async () => {
    const token = tokens.minimal;
    const event = await depositToken(token, ONE);
    assert.deepEqual(
      [event.name, event.symbol, event.decimals],
      [FALLBACK_METADATA.name, FALLBACK_METADATA.symbol, 18],
    );
    assert.equal(await view<string>(f.bridge, "depositHash", 0), depositHash(event));
  });

  it("refuses, rather than record fallbacks, when the caller's gas limit starves the metadata calls", async () => {
    const token = tokens.plain;
    const before = await depositState(f, token);
    const starved = f.bridge.getFunction("depositERC20")(await token.getAddress(), ONE, L2_RECIPIENT, {
      gasLimit: 150_000,
    });
    await expectRevert(starved, f.bridge.interface, "InsufficientGasForMetadata");
    assert.deepEqual(await depositState(f, token), before);
    const event = await depositToken(token, ONE);
    assert.deepEqual([event.name, event.symbol, event.decimals], ["Test Token", "TT", 6]);
  });

  describe("tolerates broken metadata", () => {
    const abiString = (s: string) => abi.encode(["string"], [s]);
    const cases: { title: string; setup: [string, Mode, Hex][]; expect: [string, string, number] }[] = [
      {
        title: "bytes32 name and symbol (early tokens)",
        setup: [
          [
            NAME,
            Mode.Raw,
            abi.encode(["bytes32"], [`0x${Buffer.from("Maker").toString("hex").padEnd(64, "0")}`]) as Hex,
          ],
          [
            SYMBOL,
            Mode.Raw,
            abi.encode(["bytes32"], [`0x${Buffer.from("MKR").toString("hex").padEnd(64, "0")}`]) as Hex,
          ],
          [DECIMALS, Mode.Raw, abi.encode(["uint8"], [9]) as Hex],
        ],
        expect: ["Maker", "MKR", 9],
      },
      {
        title: "non-ASCII, control characters and over-long strings",
        setup: [
          [NAME, Mode.Raw, abiString("Tëst") as Hex],
          [SYMBOL, Mode.Raw, abiString("T\nT") as Hex],
          [DECIMALS, Mode.Raw, abi.encode(["uint256"], [1000]) as Hex],
        ],
        expect: ["", "", 18],
      },
      {
        title: "a 65-byte name and a 33-byte symbol",
        setup: [
          [NAME, Mode.Raw, abiString("N".repeat(65)) as Hex],
          [SYMBOL, Mode.Raw, abiString("S".repeat(33)) as Hex],
          [DECIMALS, Mode.Raw, "0x01"],
        ],
        expect: ["", "", 18],
      },
      {
        title: "the longest accepted name and symbol",
        setup: [
          [NAME, Mode.Raw, abiString("N".repeat(64)) as Hex],
          [SYMBOL, Mode.Raw, abiString("S".repeat(32)) as Hex],
          [DECIMALS, Mode.Raw, abi.encode(["uint8"], [0]) as Hex],
        ],
        expect: ["N".repeat(64), "S".repeat(32), 0],
      },
      {
        title: "a lying string offset or length",
        setup: [
          [
            NAME,
            Mode.Raw,
            abi.encode(["uint256", "uint256", "bytes32"], [64, 4, `0x${"41".repeat(32)}`]) as Hex,
          ],
          [SYMBOL, Mode.Raw, abi.encode(["uint256", "uint256"], [32, 30]) as Hex],
          [DECIMALS, Mode.Raw, "0x"],
        ],
        expect: ["", "", 18],
      },
      {
        title: "reverting and gas-burning functions",
        setup: [
          [NAME, Mode.Revert, "0x"],
          [SYMBOL, Mode.BurnGas, "0x"],
          [DECIMALS, Mode.Revert, "0x"],
        ],
        expect: ["", "", 18],
      },
    ];

    for (const c of cases) {
      it(c.title, async () => {
        const token = tokens.raw;
        for (const [sel, mode, answer] of c.setup) await send(token, "setAnswer", sel, mode, answer);
        const event = await depositToken(token, ONE);
        assert.deepEqual([event.name, event.symbol, event.decimals], c.expect);
        assert.equal(await view<string>(f.bridge, "depositHash", 0), depositHash(event));
      });
    }
  });

  it("refuses deposits while paused and takes them again after the admin unpauses", async () => {
    await send(f.bridge.connect(f.guardian) as Contract, "pause");
    const token = tokens.plain;
    const before = await depositState(f, token);
    await expectRevert(
      f.bridge.getFunction("depositETH")(L2_RECIPIENT, { value: ONE }),
      f.bridge.interface,
      "EnforcedPause",
    );
    await expectRevert(
      f.bridge.getFunction("depositERC20")(await token.getAddress(), ONE, L2_RECIPIENT),
      f.bridge.interface,
      "EnforcedPause",
    );
    assert.deepEqual(await depositState(f, token), before);
    await send(f.bridge.connect(f.admin) as Contract, "unpause");
    await send(f.bridge, "depositETH", L2_RECIPIENT, { value: ONE });
    assert.equal(await view<bigint>(f.bridge, "nextDepositNonce"), 1n);
  });
});
