/** The bytes a directory takes on disk, for the store's size estimate. */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The sizes of the regular files directly in `dir` added up (LevelDB keeps
 * no subdirectories). A file removed between listing and `stat` (a compaction
 * deleting a table) counts 0.
 */
export async function directoryBytes(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true });
  const sizes = await Promise.all(entries.filter((e) => e.isFile()).map(async (e) => {
    try {
      return (await stat(join(dir, e.name))).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
  }));
  return sizes.reduce((a, b) => a + b, 0);
}
