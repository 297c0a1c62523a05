import "../util/polyfill.ts";

export type { PeerId, PrivateKey } from "@libp2p/interface";
export { peerIdFromString } from "@libp2p/peer-id";
export { DEFAULT_REDIAL, type RedialOptions } from "./bootstrap.ts";
export { P2pError, type P2pErrorCode } from "./errors.ts";
export {
  Gossip,
  type GossipHandler,
  type GossipOptions,
  type GossipValidator,
  type PublishOutcome,
  type TopicCounters,
  type ValidationResult,
} from "./gossip.ts";
export { gossipMessageId } from "./gossipConfig.ts";
export { DEFAULT_HELD_GOSSIP, HeldGossip, type HeldGossipOptions, type HeldSource } from "./heldGossip.ts";
export {
  createP2pHost,
  DEFAULT_LISTEN,
  type P2pHost,
  type P2pHostModules,
  type P2pHostOptions,
  type P2pLibp2p,
} from "./host.ts";
export type { P2pLogger } from "./logger.ts";
export {
  Network,
  type NetworkModules,
  type NetworkOptions,
  type NetworkStatus,
  type PeerInfo,
} from "./network.ts";
export { DEFAULT_PEER_GUARD, type DisconnectReason, PeerGuard, type PeerGuardOptions } from "./peerGuard.ts";
export { loadOrCreatePeerKey, PEER_KEY_FILE, peerIdOf } from "./peerKey.ts";
export {
  BAN_PENALTY,
  DEFAULT_PEER_PENALTIES,
  PENALTY_WEIGHTS,
  PeerPenalties,
  type PeerPenaltiesOptions,
  type PenaltyCause,
} from "./peerPenalties.ts";
export {
  type BlocksHandler,
  type CatchUpHandler,
  type HeldHandler,
  type HeldRequest,
  ReqResp,
  type ReqRespOptions,
  type RequestOptions,
} from "./reqresp.ts";
export {
  HELD_LIMITS,
  MAX_BLOCKS_PER_REQUEST,
  MAX_HELD_CLAIMS,
  protocolId,
  RESPONSE_LIMITS,
} from "./reqrespWire.ts";
export { GOSSIP_SCORE_THRESHOLDS, INVALID_MESSAGE_PENALTY } from "./scoring.ts";
export { TOPIC_MAX_BYTES, TOPIC_NAMES, type TopicName, topicString } from "./topics.ts";
