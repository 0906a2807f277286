/**
 * The `--node` flag: the gRPC address of a node, `host:port`. A host without
 * a port gets the default gRPC port (grpc-js would dial 443); a URL or a bad
 * port is refused before anything is dialled.
 */
import { Flags } from '@oclif/core';
import { ErrorCode } from '../errors.js';

/** A node's default gRPC port. */
export const DEFAULT_NODE_PORT = 7420;

const BRACKETED = /^\[([0-9A-Fa-f:.]+)\](?::(.*))?$/;

/** `host:port` from `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address; throws with a message naming the form. */
export function nodeAddress(input: string): string {
  const text = input.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) throw invalid(input, 'give host:port, not a URL');
  let host: string;
  let port: string | undefined;
  const v6 = BRACKETED.exec(text);
  if (v6) {
    host = `[${v6[1]}]`;
    port = v6[2];
  } else if ((text.match(/:/g) ?? []).length > 1) {
    host = `[${text}]`;
  } else {
    const colon = text.lastIndexOf(':');
    host = colon < 0 ? text : text.slice(0, colon);
    port = colon < 0 ? undefined : text.slice(colon + 1);
  }
  if (host === '' || /[\s/]/.test(host)) throw invalid(input, 'no host');
  const number = port === undefined ? DEFAULT_NODE_PORT : /^\d{1,5}$/.test(port) ? Number(port) : NaN;
  if (!(number >= 1 && number <= 65535)) throw invalid(input, 'the port must be a number from 1 to 65535');
  return `${host}:${number}`;
}

function invalid(input: string, why: string): Error {
  return new Error(`invalid node address ${JSON.stringify(input)}: ${why} (a node's gRPC address, host[:port], port ${DEFAULT_NODE_PORT} by default) [${ErrorCode.InvalidArgument}]`);
}

/** `--node`, parsed by {@link nodeAddress}; `DSTASH_NODE` from the environment. */
export function nodeFlag(description: string, required = false) {
  const options = { env: 'DSTASH_NODE', description, parse: async (input: string) => nodeAddress(input) };
  return required
    ? Flags.custom<string>({ ...options, required: true })()
    : Flags.custom<string>({ ...options, default: `127.0.0.1:${DEFAULT_NODE_PORT}` })();
}
