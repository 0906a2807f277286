/** The package's own version, read once from package.json. */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      // not at this depth: src/ and dist/src/ differ by one level
    }
  }
  return '0.0.0';
}

/** dstash's version, e.g. "0.1.0". */
export const DSTASH_VERSION: string = readVersion();
