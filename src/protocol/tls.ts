/**
 * TLS and mutual TLS for servers and clients, from PEM files. With a CA file a
 * server requires and verifies client certificates (mutual TLS); without one it
 * serves plain TLS.
 */
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { ErrorCode, InvalidArgumentError } from '../errors.js';

/** PEM file paths for a TLS endpoint. */
export interface TlsFiles {
  /** Certificate chain presented by this side. Required on servers; on clients, for mutual TLS. */
  certFile?: string;
  /** Private key of `certFile`. */
  keyFile?: string;
  /** CA that signs the other side's certificate. On servers, enables mutual TLS. */
  caFile?: string;
}

function read(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new InvalidArgumentError(ErrorCode.InvalidOptions, `cannot read the ${what} ${path}: ${(err as Error).message}`);
  }
}

/** Server credentials: insecure when `tls` is undefined. */
export function serverCredentials(tls: TlsFiles | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  if (!tls.certFile || !tls.keyFile) {
    throw new InvalidArgumentError(ErrorCode.InvalidOptions, 'TLS needs both a certificate and a key (--cert-file and --key-file)');
  }
  const ca = tls.caFile ? read(tls.caFile, 'CA file (--ca-file)') : null;
  return grpc.ServerCredentials.createSsl(
    ca,
    [{ cert_chain: read(tls.certFile, 'certificate file (--cert-file)'), private_key: read(tls.keyFile, 'key file (--key-file)') }],
    ca !== null,
  );
}

/** The certificate chain and key of a server's `tls` files, for an HTTPS server (client certificates are not asked for there). */
export function serverKeyPair(tls: TlsFiles): { cert: Buffer; key: Buffer } {
  if (!tls.certFile || !tls.keyFile) {
    throw new InvalidArgumentError(ErrorCode.InvalidOptions, 'TLS needs both a certificate and a key (--cert-file and --key-file)');
  }
  return { cert: read(tls.certFile, 'certificate file (--cert-file)'), key: read(tls.keyFile, 'key file (--key-file)') };
}

/** Channel credentials: insecure when `tls` is undefined; system roots when no CA file is given. */
export function channelCredentials(tls: TlsFiles | undefined): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  if (Boolean(tls.certFile) !== Boolean(tls.keyFile)) {
    throw new InvalidArgumentError(ErrorCode.InvalidOptions, 'a client certificate needs its key, and a key its certificate (certFile and keyFile)');
  }
  return grpc.credentials.createSsl(
    tls.caFile ? read(tls.caFile, 'CA file') : null,
    tls.keyFile ? read(tls.keyFile, 'key file') : null,
    tls.certFile ? read(tls.certFile, 'certificate file') : null,
  );
}
