/**
 * Leaving a static cluster: a draining node removes its own line from the
 * shared peers file, which every member watches, so that the others stop
 * counting it as a member (the static counterpart of deregistering from Consul).
 */
import { readFile, rename, writeFile } from 'node:fs/promises';

/** Removes the lines naming `id` (as `id@…`) or `address` from the peers file. */
export async function removePeer(file: string, id: string, address: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  const json = text.trimStart().startsWith('[');
  const entries = json ? (JSON.parse(text) as string[]) : text.split('\n');
  const kept = entries.filter((line) => {
    const spec = line.replace(/#.*/, '').trim();
    return !(spec.startsWith(`${id}@`) || spec === address || spec.endsWith(`@${address}`));
  });
  // Write then rename: watchers never read a half-written file.
  await writeFile(`${file}.tmp`, json ? JSON.stringify(kept) : kept.join('\n'));
  await rename(`${file}.tmp`, file);
}
