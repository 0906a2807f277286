#!/usr/bin/env node
// Copies the files that compiled code reads at run time next to it in dist/
// (tsc copies only what it compiles), so that dist/src is whole on its own:
// the Docker image and the npm package ship dist/src and not src/. Each
// folder is mirrored: a file deleted from the source goes from dist/ too.
// Files are overwritten in place, never removed first, so that a node
// started from dist/ while `npm run build` runs still finds them.
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { URL, fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Source folders, relative to the repository, copied to the same path under dist/. */
const ASSET_DIRS = ['src/node/http/ui/assets'];

/** Removes what `copy` holds and `source` does not. */
function dropExtras(source, copy) {
  for (const entry of readdirSync(copy, { withFileTypes: true })) {
    const from = join(source, entry.name);
    if (!existsSync(from)) rmSync(join(copy, entry.name), { recursive: true, force: true });
    else if (entry.isDirectory()) dropExtras(from, join(copy, entry.name));
  }
}

for (const dir of ASSET_DIRS) {
  const source = join(root, dir);
  const copy = join(root, 'dist', dir);
  cpSync(source, copy, { recursive: true });
  dropExtras(source, copy);
}
