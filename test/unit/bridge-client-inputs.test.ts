import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { encryptKeystoreJson, Wallet } from "ethers";
import { checkAmountSyntax, formatAmount, parseAmount } from "../../bridge/client/amounts.ts";
import { InvalidAmountError, InvalidInputError, UnknownTokenError } from "../../bridge/client/errors.ts";
import { parseStatusRef } from "../../bridge/client/statusRef.ts";
import {
  describeL1Token,
  ETH_L1_TOKEN,
  findBridgedToken,
  parseAddress,
  parseTokenRef,
} from "../../bridge/client/tokens.ts";
import { checkL1Recipient } from "../../bridge/client/withdraw.ts";
import { parsePrivateKey, readKeyFile } from "../../bridge/keyFile.ts";
import type { Address } from "../../node/crypto/index.ts";
import type { BridgedToken } from "../../node/types/rpc/index.ts";

const A = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as Address;
const E18 = 10n ** 18n;

describe("amounts", () => {
  it("parses human units with the token's decimals", () => {
    assert.equal(parseAmount("1.5", 18), 15n * 10n ** 17n);
    assert.equal(parseAmount("1", 18), E18);
    assert.equal(parseAmount("0.000001", 6), 1n);
    assert.equal(parseAmount("12.340000", 2), 1234n, "trailing zeros beyond the decimals are fine");
    assert.equal(parseAmount("7", 0), 7n);
    assert.equal(parseAmount(" 2 ", 18), 2n * E18);
    assert.equal(parseAmount("0.5", 18), 5n * 10n ** 17n);
  });

  it("refuses more fractional digits than the token has", () => {
    assert.throws(
      () => parseAmount("0.0000001", 6),
      (e: Error) => e instanceof InvalidAmountError && /6 decimals/.test(e.message),
    );
    assert.throws(() => parseAmount("1.5", 0), InvalidAmountError);
  });

  it("refuses negative, zero, empty and garbage amounts", () => {
    for (const bad of [
      "-1",
      "0",
      "0.0",
      "",
      " ",
      "1,5",
      "1e18",
      "abc",
      "1.",
      ".5",
      "0x10",
      "1.2.3",
      "∞",
      "+1",
    ]) {
      assert.throws(() => parseAmount(bad, 18), InvalidAmountError, bad);
      assert.throws(() => checkAmountSyntax(bad), InvalidAmountError, bad);
    }
  });

  it("raw amounts are whole base units", () => {
    assert.equal(parseAmount("1000", 18, true), 1000n);
    assert.throws(() => parseAmount("1.5", 18, true), /whole number of base units/);
    assert.throws(() => checkAmountSyntax("0", true), /more than zero/);
    assert.throws(() => parseAmount((1n << 256n).toString(), 0, true), /too large/);
  });

  it("formats base units without trailing zeros", () => {
    assert.equal(formatAmount(15n * 10n ** 17n, 18), "1.5");
    assert.equal(formatAmount(E18, 18), "1");
    assert.equal(formatAmount(1n, 18), "0.000000000000000001");
    assert.equal(formatAmount(0n, 6), "0");
    assert.equal(formatAmount(42n, 0), "42");
    assert.equal(formatAmount(-1500n, 3), "-1.5");
    assert.equal(parseAmount(formatAmount(123456789n, 6), 6), 123456789n);
  });
});

const token = (l1: number, l2: number, symbol: string, decimals = 18): BridgedToken => ({
  l1Token: A(l1),
  l2Token: A(l2),
  name: symbol,
  symbol,
  decimals,
  totalSupply: 0n,
});
const TOKENS = [
  token(0, 0xe0, "ETH"),
  token(0xb1, 0xb2, "USDC", 6),
  token(0xd1, 0xd2, "DUP"),
  token(0xd3, 0xd4, "DUP"),
];

describe("token resolution", () => {
  it("parses ETH, addresses and symbols", () => {
    assert.deepEqual(parseTokenRef("ETH"), { kind: "eth" });
    assert.deepEqual(parseTokenRef("eth"), { kind: "eth" });
    assert.deepEqual(parseTokenRef(A(0xb1)), { kind: "address", address: A(0xb1) });
    assert.deepEqual(parseTokenRef(`0xB1${"0".repeat(38)}`), {
      kind: "address",
      address: `0xb1${"0".repeat(38)}`,
    });
    assert.deepEqual(parseTokenRef("USDC"), { kind: "symbol", symbol: "USDC" });
  });

  it("rejects malformed addresses, bad checksums and names with spaces", () => {
    assert.throws(() => parseTokenRef("0x123"), InvalidInputError);
    assert.throws(() => parseTokenRef(`0x${"g".repeat(40)}`), InvalidInputError);
    // A valid checksum is 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed; one flipped letter breaks it.
    assert.doesNotThrow(() => parseAddress("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"));
    assert.throws(() => parseAddress("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"), /checksum/);
    assert.throws(() => parseTokenRef("my token"), InvalidInputError);
    assert.throws(() => parseTokenRef(""), InvalidInputError);
  });

  it("finds a bridged token by ETH, L1 address, sidechain address or symbol", () => {
    assert.equal(findBridgedToken({ kind: "eth" }, TOKENS).l1Token, ETH_L1_TOKEN);
    assert.equal(findBridgedToken({ kind: "address", address: A(0xb1) }, TOKENS).symbol, "USDC");
    assert.equal(findBridgedToken({ kind: "address", address: A(0xb2) }, TOKENS).symbol, "USDC");
    assert.equal(findBridgedToken({ kind: "symbol", symbol: "USDC" }, TOKENS).decimals, 6);
    assert.equal(findBridgedToken({ kind: "symbol", symbol: "usdc" }, TOKENS).symbol, "USDC");
  });

  it("unknown or ambiguous tokens are clear errors", () => {
    assert.throws(
      () => findBridgedToken({ kind: "address", address: A(0x99) }, TOKENS),
      (e: Error) => e instanceof UnknownTokenError && /is not bridged/.test(e.message),
    );
    assert.throws(
      () => findBridgedToken({ kind: "symbol", symbol: "NOPE" }, TOKENS),
      /no bridged token has the symbol "NOPE" \(bridged: ETH, USDC, DUP, DUP\)/,
    );
    assert.throws(() => findBridgedToken({ kind: "symbol", symbol: "DUP" }, TOKENS), /ambiguous.*L1 address/);
    assert.throws(() => findBridgedToken({ kind: "eth" }, TOKENS.slice(1)), /ETH has not been bridged/);
  });

  it("an exact symbol match wins over case-insensitive ones", () => {
    const tokens = [token(1, 2, "Foo"), token(3, 4, "FOO")];
    assert.equal(findBridgedToken({ kind: "symbol", symbol: "FOO" }, tokens).l1Token, A(3));
    assert.throws(() => findBridgedToken({ kind: "symbol", symbol: "foo" }, tokens), /ambiguous/);
  });

  it("describes L1 tokens for display, ETH even before it is bridged", () => {
    assert.equal(describeL1Token(A(0xb1), TOKENS).symbol, "USDC");
    assert.deepEqual(describeL1Token(ETH_L1_TOKEN, []), {
      l1Token: ETH_L1_TOKEN,
      l2Token: null,
      symbol: "ETH",
      decimals: 18,
    });
  });
});

describe("L1 recipients", () => {
  it("refuses the zero address and the L1 Bridge, which the L1 can never pay", () => {
    const l1Bridge = A(0xb41d);
    assert.throws(
      () => checkL1Recipient(A(0), l1Bridge),
      (err: unknown) => {
        assert.ok(err instanceof InvalidInputError);
        assert.match(err.message, /zero address/);
        return true;
      },
    );
    assert.throws(() => checkL1Recipient(l1Bridge, l1Bridge), /L1 Bridge itself/);
    assert.throws(() => checkL1Recipient(l1Bridge, l1Bridge.toUpperCase() as Address), /L1 Bridge itself/);
    assert.doesNotThrow(() => checkL1Recipient(A(0xbeef), l1Bridge));
  });
});

describe("status references", () => {
  it("tx hashes, and numbers that say what they are", () => {
    const hash = `0x${"Ab".repeat(32)}`;
    assert.deepEqual(parseStatusRef(hash), { kind: "tx", hash: hash.toLowerCase() });
    assert.deepEqual(parseStatusRef("3", "deposit"), { kind: "deposit", nonce: 3n });
    assert.deepEqual(parseStatusRef("0", "withdrawal"), { kind: "withdrawal", id: 0n });
  });

  it("a bare number, a short hash or garbage is refused", () => {
    assert.throws(() => parseStatusRef("3"), /add --deposit or --withdrawal/);
    assert.throws(() => parseStatusRef("0x1234"), /invalid transaction hash/);
    assert.throws(() => parseStatusRef("-1", "deposit"), InvalidInputError);
    assert.throws(() => parseStatusRef("01", "deposit"), InvalidInputError);
    assert.throws(() => parseStatusRef(`0x${"ab".repeat(32)}`, "deposit"), /for numbers/);
  });
});

describe("keys", () => {
  const KEY = `0x${"11".repeat(32)}`;

  it("plain hex keys with or without 0x", () => {
    assert.equal(parsePrivateKey(KEY), KEY);
    assert.equal(parsePrivateKey(`${"11".repeat(32)}\n`), KEY);
    assert.throws(() => parsePrivateKey("0x1234"), /not a private key/);
    assert.throws(() => parsePrivateKey(`0x${"00".repeat(32)}`), /not a valid secp256k1/);
  });

  it("key files: hex, keystore with password, keystore without, missing", async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "outrigger-key-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, "plain"), `${KEY}\n`);
    assert.equal(await readKeyFile(join(dir, "plain"), null), KEY);
    const keystore = await encryptKeystoreJson({ address: new Wallet(KEY).address, privateKey: KEY }, "pw", {
      scrypt: { N: 2 },
    });
    await writeFile(join(dir, "keystore.json"), keystore);
    assert.equal(await readKeyFile(join(dir, "keystore.json"), "pw"), KEY);
    await assert.rejects(readKeyFile(join(dir, "keystore.json"), null), /OUTRIGGER_KEY_PASSWORD/);
    await assert.rejects(readKeyFile(join(dir, "keystore.json"), "wrong"), /cannot decrypt/);
    await assert.rejects(readKeyFile(join(dir, "missing"), null), /cannot read key file/);
  });
});
