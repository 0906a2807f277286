/**
 * Tokens from a file (`--auth-token-file`): one a line, `ROLE TOKEN`, `#`
 * comments and blank lines ignored. The file is re-read when it changes; a
 * change that does not parse is logged and the tokens in force stay.
 */
import { createHash } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile, type Stats } from 'node:fs';
import { ErrorCode, InvalidArgumentError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { ROLES, type Role } from '../../protocol/bearer-token.js';
import { requireRole, type Authenticator } from './authenticator.js';

/** How often the file is checked for changes, in ms. */
const WATCH_INTERVAL_MS = 500;

interface Tokens {
  /** Role by the SHA-256 of the token, so that a lookup's timing says nothing of the token's bytes. */
  roles: Map<string, Role>;
  cluster: string;
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Parses the file's text; throws `DSTASH_INVALID_OPTIONS` naming the bad line. */
export function parseTokenFile(text: string, path: string): Tokens {
  const roles = new Map<string, Role>();
  let cluster: string | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const [role, token, ...rest] = line.split(/\s+/);
    if (!ROLES.includes(role as Role) || !token || rest.length > 0) {
      throw new InvalidArgumentError(ErrorCode.InvalidOptions, `${path} line ${i + 1}: expected "ROLE TOKEN" with ROLE one of ${ROLES.join(', ')}`);
    }
    roles.set(digest(token), role as Role);
    if (role === 'cluster') cluster ??= token;
  });
  if (cluster === undefined) {
    throw new InvalidArgumentError(ErrorCode.InvalidOptions, `${path} has no "cluster TOKEN" line: nodes need one to call each other`);
  }
  return { roles, cluster };
}

/** An {@link Authenticator} over a token file, watched for changes until `close()`. */
export class TokenFile implements Authenticator {
  private tokens: Tokens;
  private readonly onChange = (now: Stats, before: Stats): void => {
    if (now.mtimeMs === before.mtimeMs && now.size === before.size && now.ino === before.ino) return;
    try {
      this.tokens = this.read();
      this.log.info({ file: this.path, tokens: this.tokens.roles.size }, 'token file re-read');
    } catch (err) {
      this.log.warn({ file: this.path, err: (err as Error).message }, 'token file changed but cannot be used; the tokens in force stay');
    }
  };

  /** Reads the file once (throwing `DSTASH_INVALID_OPTIONS` when it is unusable) and starts watching it. */
  constructor(
    readonly path: string,
    private readonly log: Logger,
  ) {
    this.tokens = this.read();
    watchFile(path, { interval: WATCH_INTERVAL_MS, persistent: false }, this.onChange);
  }

  check(token: string | undefined, needed: Role): Role {
    return requireRole(token === undefined ? undefined : this.tokens.roles.get(digest(token)), token, needed);
  }

  clusterToken(): string {
    return this.tokens.cluster;
  }

  /** Stops watching the file. */
  close(): void {
    unwatchFile(this.path, this.onChange);
  }

  private read(): Tokens {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      throw new InvalidArgumentError(ErrorCode.InvalidOptions, `cannot read the token file ${this.path} (--auth-token-file): ${(err as Error).message}`);
    }
    return parseTokenFile(text, this.path);
  }
}
