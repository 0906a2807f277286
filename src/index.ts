/**
 * dstash: the public face of the SDK. Import from 'dstash', never from deeper paths.
 */
export { DstashError, ErrorCode, InvalidArgumentError, ReadQuorumError, WriteQuorumError, hasCode, type ErrorCodeValue, type ReplicaReply } from './errors.js';
export { DEFAULT_INDEX, DEFAULT_MAX_VALUE_BYTES, MAX_KEY_BYTES } from './limits.js';
export { DSTASH_VERSION } from './package-info.js';
