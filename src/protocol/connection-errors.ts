/**
 * grpc-js's words for a channel that could not connect, made readable:
 * "No connection established. Last error: Error: connect ECONNREFUSED
 * 127.0.0.1:443. Resolution note: " becomes "cannot connect: connect
 * ECONNREFUSED 127.0.0.1:443", and a server that does not speak gRPC (an HTTP
 * port) is named as such.
 */

const NO_CONNECTION = /^No connection established\. Last error: (?:Error: )?/;
// The empty "Resolution note" grpc-js appends, and the timestamp of the last error.
const RESOLUTION_NOTE = /\.? ?Resolution note:.*$/s;
const TIMESTAMP = / \(\d{4}-\d\d-\d\dT[\d:.]+Z\)/g;

/** The details of a gRPC status, without grpc-js's connection noise. */
export function readableDetails(details: string): string {
  const cleaned = details.replace(RESOLUTION_NOTE, '').replace(TIMESTAMP, '');
  if (!NO_CONNECTION.test(cleaned)) return cleaned;
  const cause = cleaned.replace(NO_CONNECTION, '').replace(/\.$/, '');
  if (/^Protocol error/.test(cause)) {
    return 'cannot connect: the server does not answer in gRPC (is this a node\'s HTTP port? Give its gRPC port, 7420 by default; or does it need --tls?)';
  }
  return `cannot connect: ${cause}`;
}
