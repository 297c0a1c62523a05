/** A block that breaks a chain rule; the message says which. Validation turns it into a "no" verdict. */
export class InvalidBlockError extends Error {
  override readonly name: string = "InvalidBlockError";
}

/** The node cannot go on safely (storage refused a decided block, state diverged): it must halt, not guess. */
export class ChainHaltError extends Error {
  override readonly name: string = "ChainHaltError";
}
