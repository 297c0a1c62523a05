import fc from "fast-check";
import { type Address, bytesToHex, type Hex, type SignatureHex, VoteType } from "../../node/crypto/index.ts";
import type {
  Block,
  CertifiedCheckpoint,
  Checkpoint,
  Commit,
  CommitSig,
  DepositClaim,
  DuplicateVoteEvidence,
  Header,
  Proposal,
  Vote,
} from "../../node/types/index.ts";

/**
 * Structurally valid wire values, generated field by field: what the real encoders accept. Signatures are
 * well-formed bytes but sign nothing (no decoder checks them; signing every input would cost the fuzz budget).
 */

const height = fc.nat({ max: 2 ** 40 });
const small = fc.nat({ max: 50 });

export const addressArb: fc.Arbitrary<Address> = fc
  .uint8Array({ minLength: 20, maxLength: 20 })
  .map((b) => bytesToHex(b) as Address);

export const hashArb: fc.Arbitrary<Hex> = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(bytesToHex);

/** A non-zero hash: a block hash of all zeros means nil. */
export const blockHashArb: fc.Arbitrary<Hex> = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => {
  const out = b.slice();
  out[31] = (out[31] ?? 0) | 1;
  return bytesToHex(out);
});

export const signatureArb: fc.Arbitrary<SignatureHex> = fc
  .tuple(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.constantFrom(27, 28))
  .map(([rs, v]) => {
    const out = new Uint8Array(65);
    out.set(rs);
    out[64] = v;
    return bytesToHex(out) as SignatureHex;
  });

export const uint64Arb = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
export const uint256Arb = fc.bigInt({ min: 0n, max: 2n ** 256n - 1n });

export const voteArb: fc.Arbitrary<Vote> = fc.record({
  type: fc.constantFrom(VoteType.Prevote, VoteType.Precommit),
  height,
  round: small,
  blockHash: fc.option(blockHashArb),
  validator: addressArb,
  signature: signatureArb,
});

export const proposalArb: fc.Arbitrary<Proposal> = fc
  .record({ height, round: small, pol: fc.nat({ max: 60 }), blockHash: blockHashArb })
  .chain(({ height, round, pol, blockHash }) =>
    fc.record({
      height: fc.constant(height),
      round: fc.constant(round),
      polRound: fc.constant(round === 0 ? -1 : (pol % (round + 1)) - 1),
      blockHash: fc.constant(blockHash),
      proposer: addressArb,
      signature: signatureArb,
    }),
  );

/** 1..n signatures, validators strictly ascending (the only order a decoder takes). */
export const commitSigsArb: fc.Arbitrary<CommitSig[]> = fc
  .uniqueArray(fc.record({ validator: addressArb, signature: signatureArb }), {
    minLength: 1,
    maxLength: 5,
    selector: (s) => s.validator,
  })
  .map((sigs) => sigs.sort((a, b) => (a.validator < b.validator ? -1 : 1)));

export const commitArb: fc.Arbitrary<Commit> = fc.record({
  height,
  round: small,
  blockHash: blockHashArb,
  signatures: commitSigsArb,
});

export const evidenceArb: fc.Arbitrary<DuplicateVoteEvidence> = fc
  .tuple(voteArb, blockHashArb, signatureArb)
  .filter(([vote, other]) => vote.blockHash !== other)
  .map(([vote, other, signature]) => {
    const twin: Vote = { ...vote, blockHash: other, signature };
    const key = (v: Vote) => v.blockHash ?? `0x${"00".repeat(32)}`;
    return key(vote) < key(twin) ? { voteA: vote, voteB: twin } : { voteA: twin, voteB: vote };
  });

const tokenText = (maxLength: number) =>
  fc
    .string({ unit: "grapheme-ascii", maxLength })
    .filter((s) => new TextEncoder().encode(s).length <= maxLength);

export const depositClaimArb: fc.Arbitrary<DepositClaim> = fc.record({
  nonce: uint64Arb,
  l1Token: addressArb,
  from: addressArb,
  to: addressArb,
  amount: uint256Arb,
  name: tokenText(64),
  symbol: tokenText(32),
  decimals: fc.nat({ max: 255 }),
  l1TxHash: hashArb,
});

export const checkpointArb: fc.Arbitrary<Checkpoint> = fc
  .record({
    sidechainId: uint64Arb,
    number: fc.nat({ max: 2 ** 32 }),
    startHeight: height,
    span: fc.nat({ max: 1000 }),
    blocksRoot: hashArb,
    withdrawalsRoot: hashArb,
    nextValidatorSetHash: hashArb,
  })
  .map(({ span, ...c }) => ({ ...c, endHeight: c.startHeight + span }));

export const certifiedCheckpointArb: fc.Arbitrary<CertifiedCheckpoint> = fc.record({
  checkpoint: checkpointArb,
  signatures: commitSigsArb,
});

export const headerArb: fc.Arbitrary<Header> = fc.record({
  chainId: uint64Arb,
  height,
  time: fc.nat({ max: 2 ** 45 }),
  parentHash: hashArb,
  proposer: addressArb,
  validatorsHash: hashArb,
  nextValidatorsHash: hashArb,
  appHash: hashArb,
  txsHash: hashArb,
  lastCommitHash: hashArb,
  evidenceHash: hashArb,
  depositClaimsHash: hashArb,
  checkpointsHash: hashArb,
});

/** Small blocks with every part present now and then; the header need not commit to the body to decode. */
export const blockArb: fc.Arbitrary<Block> = fc.record({
  header: headerArb,
  txs: fc.array(fc.uint8Array({ minLength: 1, maxLength: 120 }), { maxLength: 3 }),
  lastCommit: fc.option(commitArb),
  evidence: fc.array(evidenceArb, { maxLength: 1 }),
  depositClaims: fc
    .uniqueArray(depositClaimArb, { maxLength: 2, selector: (c) => c.nonce })
    .map((cs) => cs.sort((a, b) => (a.nonce < b.nonce ? -1 : a.nonce > b.nonce ? 1 : 0))),
  checkpoints: fc.array(certifiedCheckpointArb, { maxLength: 1 }),
});
