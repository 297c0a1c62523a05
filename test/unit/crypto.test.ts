import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import {
  computeAddress,
  recoverAddress,
  Signature,
  SigningKey,
  TypedDataEncoder,
  verifyTypedData,
  Wallet,
} from "ethers";
import {
  bytesToHex,
  CryptoError,
  generatePrivateKey,
  hexToBytes,
  keccak256,
  privateKeyToAddress,
  proposalDigest,
  recoverSigner,
  signDigest,
  VoteType,
  voteDigest,
} from "../../node/crypto/index.ts";

const KEYS = Array.from({ length: 20 }, () => generatePrivateKey());

describe("crypto: keys and signatures agree with ethers", () => {
  it("derives the same address as ethers", () => {
    for (const key of KEYS) assert.equal(privateKeyToAddress(key), computeAddress(key).toLowerCase());
  });

  it("produces byte-identical signatures to ethers' SigningKey (RFC 6979) and ethers recovers them", () => {
    for (const [i, key] of KEYS.entries()) {
      const digest = keccak256(new TextEncoder().encode(`message ${i}`));
      const ours = signDigest(digest, key);
      const theirs = new SigningKey(key).sign(digest).serialized;
      assert.equal(ours, theirs.toLowerCase());
      assert.equal(recoverAddress(digest, ours).toLowerCase(), privateKeyToAddress(key));
      assert.equal(recoverSigner(digest, ours), privateKeyToAddress(key));
    }
  });

  it("verifies EIP-712 typed data signed by an ethers Wallet", async () => {
    const wallet = new Wallet(KEYS[0] as string);
    const domain = {
      name: "Outrigger",
      version: "1",
      chainId: 31337,
      verifyingContract: `0x${"11".repeat(20)}`,
    };
    const types = { Ping: [{ name: "value", type: "uint256" }] };
    const value = { value: 42n };
    const sig = (await wallet.signTypedData(domain, types, value)).toLowerCase() as `0x${string}`;
    const digest = hexToBytes(TypedDataEncoder.hash(domain, types, value));
    assert.equal(recoverSigner(digest, sig), wallet.address.toLowerCase());
    assert.equal(signDigest(digest, KEYS[0] as `0x${string}`), sig);
    assert.equal(verifyTypedData(domain, types, value, sig), wallet.address);
  });
});

describe("crypto: malleability and malformed input", () => {
  const key = KEYS[1] as `0x${string}`;
  const digest = keccak256(Uint8Array.of(1, 2, 3));
  const sig = signDigest(digest, key);

  it("rejects the high-s twin of a valid signature", () => {
    const parsed = Signature.from(sig);
    const n = secp256k1.Point.CURVE().n;
    const highS = n - BigInt(parsed.s);
    const flippedV = parsed.v === 27 ? 28 : 27;
    const twin =
      `${sig.slice(0, 66)}${highS.toString(16).padStart(64, "0")}${flippedV.toString(16)}` as `0x${string}`;
    // The twin is a valid ECDSA signature for the same key when malleability is allowed, but we refuse it.
    const publicKey = secp256k1.getPublicKey(hexToBytes(key));
    const compactTwin = hexToBytes(twin).subarray(0, 64);
    assert.equal(secp256k1.verify(compactTwin, digest, publicKey, { prehash: false, lowS: false }), true);
    assert.throws(() => recoverSigner(digest, twin), CryptoError);
  });

  it("rejects v outside {27, 28}, wrong lengths, non-hex and zero signatures", () => {
    for (const v of ["00", "01", "1d", "ff"]) {
      assert.throws(() => recoverSigner(digest, `${sig.slice(0, 130)}${v}` as `0x${string}`), CryptoError);
    }
    assert.throws(() => recoverSigner(digest, sig.slice(0, 128) as `0x${string}`), CryptoError);
    assert.throws(() => recoverSigner(digest, `${sig}00` as `0x${string}`), CryptoError);
    assert.throws(() => recoverSigner(digest, "0xzz" as `0x${string}`), CryptoError);
    assert.throws(() => recoverSigner(digest, `0x${"00".repeat(64)}1b`), CryptoError);
    assert.throws(() => recoverSigner(digest.subarray(0, 31), sig), CryptoError);
  });

  it("rejects out-of-range private keys", () => {
    assert.throws(() => signDigest(digest, `0x${"00".repeat(32)}`), CryptoError);
    assert.throws(() => signDigest(digest, `0x${"ff".repeat(32)}`), CryptoError);
  });
});

describe("crypto: signing domains", () => {
  const base = { chainId: 7n, height: 10, round: 2, blockHash: bytesToHex(keccak256(Uint8Array.of(9))) };

  it("vote digests differ by every field, by type, and from proposals with the same numbers", () => {
    const digests = [
      voteDigest({ ...base, type: VoteType.Prevote }),
      voteDigest({ ...base, type: VoteType.Precommit }),
      voteDigest({ ...base, type: VoteType.Prevote, chainId: 8n }),
      voteDigest({ ...base, type: VoteType.Prevote, height: 11 }),
      voteDigest({ ...base, type: VoteType.Prevote, round: 3 }),
      voteDigest({ ...base, type: VoteType.Prevote, blockHash: null }),
      proposalDigest({ ...base, polRound: -1 }),
      proposalDigest({ ...base, polRound: 0 }),
    ].map(bytesToHex);
    assert.equal(new Set(digests).size, digests.length);
  });

  it("a nil vote signs the zero hash", () => {
    assert.deepEqual(
      voteDigest({ ...base, type: VoteType.Prevote, blockHash: null }),
      voteDigest({ ...base, type: VoteType.Prevote, blockHash: `0x${"00".repeat(32)}` }),
    );
  });
});
