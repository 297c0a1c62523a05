import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { standardLeafHash } from "@openzeppelin/merkle-tree/dist/hashes.js";
import { type Hex, isHex, ZERO_HASH } from "../crypto/bytes.ts";
import { CryptoError } from "../crypto/errors.ts";
import type { Withdrawal } from "./shapes.ts";

/**
 * Merkle trees shared with L1 (DESIGN.md §5). Both trees are OpenZeppelin "standard" trees: leaves are the double
 * keccak of their ABI encoding and inner nodes hash sorted pairs, which is what OpenZeppelin's MerkleProof checks.
 * Double-hashed leaves are 32 bytes of hash over a 32-byte hash, so no inner node (a hash over 64 bytes) can ever
 * be passed off as a leaf.
 */

export const WITHDRAWAL_LEAF_ENCODING = ["uint256", "address", "address", "uint256"];
const BLOCK_LEAF_ENCODING = ["bytes32"];

/**
 * The withdrawals root of a checkpoint with no withdrawals. Zero is refused outright by Bridge.exit, so an empty
 * epoch can never let anything exit, whatever proof is offered.
 */
export const EMPTY_WITHDRAWALS_ROOT: Hex = ZERO_HASH;

type WithdrawalTuple = [bigint, Hex, Hex, bigint];

function withdrawalTuple(w: Withdrawal): WithdrawalTuple {
  return [w.id, w.l1Token, w.l1Recipient, w.amount];
}

/** keccak256(keccak256(abi.encode(uint256 id, address token, address recipient, uint256 amount))). */
export function withdrawalLeaf(withdrawal: Withdrawal): Hex {
  return standardLeafHash(WITHDRAWAL_LEAF_ENCODING, withdrawalTuple(withdrawal)) as Hex;
}

/** The withdrawals of one checkpoint, with their root and a proof for each id. */
export class WithdrawalTree {
  readonly root: Hex;
  private readonly tree: StandardMerkleTree<WithdrawalTuple> | null;
  private readonly indexById = new Map<bigint, number>();

  constructor(withdrawals: readonly Withdrawal[]) {
    for (const [i, w] of withdrawals.entries()) {
      if (this.indexById.has(w.id)) throw new CryptoError(`withdrawal id ${w.id} appears twice`);
      this.indexById.set(w.id, i);
    }
    // Sorted leaves make the root independent of the order nodes list withdrawals in.
    this.tree =
      withdrawals.length === 0
        ? null
        : StandardMerkleTree.of(withdrawals.map(withdrawalTuple), WITHDRAWAL_LEAF_ENCODING, {
            sortLeaves: true,
          });
    this.root = this.tree === null ? EMPTY_WITHDRAWALS_ROOT : (this.tree.root as Hex);
  }

  get size(): number {
    return this.indexById.size;
  }

  /** The proof Bridge.exit takes for withdrawal `id`. */
  proof(id: bigint): Hex[] {
    const index = this.indexById.get(id);
    if (index === undefined || this.tree === null)
      throw new CryptoError(`withdrawal id ${id} is not in the tree`);
    return this.tree.getProof(index) as Hex[];
  }
}

/** True if `proof` proves `withdrawal` under `root`; never true for the empty root. */
export function verifyWithdrawalProof(root: Hex, withdrawal: Withdrawal, proof: readonly Hex[]): boolean {
  if (root === EMPTY_WITHDRAWALS_ROOT) return false;
  return StandardMerkleTree.verify(root, WITHDRAWAL_LEAF_ENCODING, withdrawalTuple(withdrawal), [...proof]);
}

/**
 * Root over the block hashes of a checkpoint's range, leaves in height order (a standard tree, so a block's
 * inclusion can later be proven to L1 with MerkleProof; ordering is kept only to make the tree's shape canonical).
 */
export function blocksRoot(blockHashes: readonly Hex[]): Hex {
  if (blockHashes.length === 0) throw new CryptoError("a checkpoint covers at least one block");
  for (const h of blockHashes) {
    if (!isHex(h, 32))
      throw new CryptoError(`block hash must be 32 bytes of hex, got ${String(h).slice(0, 80)}`);
  }
  const tree = StandardMerkleTree.of(
    blockHashes.map((h) => [h]),
    BLOCK_LEAF_ENCODING,
    { sortLeaves: false },
  );
  return tree.root as Hex;
}
