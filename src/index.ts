/**
 * dstash: the public face of the SDK. Import from 'dstash', never from deeper paths.
 */
export { Client, ValueDecodeError, bufferCodec, codecs, jsonCodec, stringCodec } from './client/index.js';
export type { CallOptions, ClientOptions, ClientStats, ClockStatus, MemberOffset, Codec, Consistency, Expected, Key, LookupResult, PutEntry, PutOptions, ScanOptions, SerialResult, WriteResult } from './client/index.js';
export type { Discovery, Member, MembershipListener, Registrar, Registration } from './discovery/discovery.js';
export { StaticDiscovery, type StaticDiscoveryOptions } from './discovery/static-discovery.js';
export { ConsulDiscovery } from './discovery/consul-discovery.js';
export { DnsDiscovery } from './discovery/dns-discovery.js';
export { DEFAULT_DNS_OPTIONS, type DnsOptions } from './discovery/dns-options.js';
export { JoinDiscovery, type JoinDiscoveryOptions } from './discovery/join-discovery.js';
export { DEFAULT_CONSUL_OPTIONS, type ConsulOptions, type ConsulTlsOptions } from './discovery/consul-options.js';
export { ClockSkewError, DstashError, ErrorCode, InvalidArgumentError, ReadQuorumError, TruncateIncompleteError, WriteQuorumError, hasCode, type ErrorCodeValue, type ReplicaReply } from './errors.js';
export { ALL_INDEXES, DEFAULT_INDEX, DEFAULT_MAX_VALUE_BYTES, MAX_KEY_BYTES } from './limits.js';
export { DSTASH_VERSION } from './package-info.js';
