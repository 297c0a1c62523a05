export type StorageErrorCode =
  /** A key the caller required is absent. */
  | "not-found"
  /** Bytes stored under a key do not decode: the database was damaged or written by something else. */
  | "corrupt"
  /** A value the caller passed cannot be encoded or breaks an invariant (heights, hashes, lengths). */
  | "invalid-input"
  /** A committed block does not extend the stored head. */
  | "continuity"
  /** The database belongs to another chain (chain id or genesis hash differ). */
  | "wrong-chain"
  /** Another process holds the database's lock. */
  | "locked"
  /** The database is closed (or was never opened). */
  | "closed"
  /** Any other failure of the underlying store. */
  | "io";

/** Every failure of node/storage except a refused signature is one of these, with a code to branch on. */
export class StorageError extends Error {
  override readonly name = "StorageError";
  readonly code: StorageErrorCode;

  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export type DoubleSignErrorCode = "regression" | "conflict";

/**
 * Signing was refused because it could equivocate: the request is behind the last signed (height, round, step),
 * or at the same one with a different value. Never retry it; the engine must not send this message.
 */
export class DoubleSignError extends Error {
  override readonly name = "DoubleSignError";
  readonly code: DoubleSignErrorCode;

  constructor(code: DoubleSignErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
