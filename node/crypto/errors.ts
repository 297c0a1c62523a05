/** Thrown for malformed keys, signatures or hex input reaching the crypto layer. */
export class CryptoError extends Error {
  override readonly name: string = "CryptoError";
}

/** Thrown for any byte string that is not canonical, well-formed RLP of the expected shape. */
export class RlpError extends Error {
  override readonly name: string = "RlpError";
}
