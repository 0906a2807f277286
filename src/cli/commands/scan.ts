import { Command, Flags } from '@oclif/core';
import type { ScanResponse__Output } from '../../protocol/generated/dstash/v1/ScanResponse.js';
import { fromServiceError } from '../../protocol/status.js';
import { connect, dataFlags, describeError, wireConsistency } from '../node-connection.js';
import { argumentBytes, jsonBytes } from '../text-encoding.js';

/** `dstash scan`: lists the records of an index by key prefix. */
export default class Scan extends Command {
  static override description = 'List the records of an index whose keys start with a prefix, in token order (partition, then key).';

  static override examples = ['<%= config.bin %> scan --prefix user: --limit 10', '<%= config.bin %> scan --index sessions --json'];

  static override flags = {
    ...dataFlags,
    prefix: Flags.string({ default: '', description: 'Key prefix (UTF-8).' }),
    limit: Flags.integer({ default: 0, min: 0, description: 'Most records to list (0 = all).' }),
    'start-after': Flags.string({ description: 'Resume after this key (the last key of a previous scan).' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Scan);
    const client = connect(flags);
    try {
      await new Promise<void>((resolve, reject) => {
        const stream = client.Scan({
          index: flags.index, prefix: argumentBytes(flags.prefix, flags.encoding, '--prefix'), limit: flags.limit,
          startAfter: argumentBytes(flags['start-after'] ?? '', flags.encoding, '--start-after'), consistency: wireConsistency(flags.consistency),
        }, { deadline: Date.now() + flags.timeout });
        stream.on('data', (res: ScanResponse__Output) => {
          for (const e of res.entries) {
            this.log(flags.json
              ? JSON.stringify({ ...jsonBytes('key', e.key, flags.encoding), ...jsonBytes('value', e.value, flags.encoding), version: e.version.toString('hex') })
              : `${e.key.toString(flags.encoding)}\t${e.value.toString(flags.encoding)}`);
          }
        });
        stream.on('error', (err) => reject(fromServiceError(err, flags.node)));
        stream.on('end', resolve);
      });
    } catch (err) {
      this.error(describeError(err), { exit: 2 });
    } finally {
      client.close();
    }
  }
}
