/**
 * Batches over REST: `POST /v1/kv/:index` with a JSON body of puts, gets and
 * deletes (see batch-body.ts). The batch is posted to the index itself, so
 * that every path below the index is a key (a key named `_batch` included).
 * The puts run first, then the deletes, then the gets, so that the gets see
 * the batch's own writes. The answer is 200 with one result per entry, in
 * request order; an entry that failed carries the HTTP status and the error a
 * single-key request would have got. The gets are read in parts (see
 * read-in-parts.ts): an answer of more than one part is streamed, part after
 * part as the client reads, so that a batch of large values never sits whole
 * in the node (the same JSON, sent without a content-length).
 */
import { isUtf8 } from 'node:buffer';
import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { DstashError, ErrorCode } from '../../errors.js';
import type { LookupOutcome, WriteOutcome } from '../../client/index.js';
import type { NodeView } from '../metrics/node-view.js';
import { lookupBytes, readInParts, type PartLimits } from '../read-in-parts.js';
import { parseBatchBody } from './batch-body.js';
import { badRequest, fromDstashError } from './http-errors.js';
import { consistencyParam, encodeBytes, encodingParam, versionText, type Query, type TextEncoding } from './http-query.js';
import { kvTarget } from './kv-target.js';

/** The route of an index: its listing (GET) and its batches (POST). */
export const INDEX_ROUTE = '/v1/kv/:index';

/** Registers the batch route; its gets are answered in `parts`. */
export function registerBatchRoute(app: FastifyInstance, view: NodeView, parts: PartLimits): void {
  void app.register(async (scope) => {
    // JSON must be UTF-8 (RFC 8259): a body that is not is refused, rather than read
    // with replacement characters that would store keys nobody wrote.
    const parseJson = scope.getDefaultJsonParser('error', 'error');
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
      const bytes = body as Buffer;
      if (!isUtf8(bytes)) {
        done(badRequest('the JSON body is not valid UTF-8: send binary keys and values in base64 with ?encoding=base64'), undefined);
        return;
      }
      void parseJson(request, bytes.toString('utf8'), done);
    });

    scope.post<{ Params: { index: string }; Querystring: Query; Body: unknown }>(INDEX_ROUTE, async (request, reply) => {
      const { index } = request.params;
      const coordinator = kvTarget(view, index);
      const encoding = encodingParam(request.query);
      const consistency = consistencyParam(request.query);
      const batch = parseBatchBody(request.body, encoding);
      const put = await coordinator.putMany(index, batch.put.map((p) => p.item), consistency);
      const deleted = await coordinator.deleteMany(index, batch.delete.map((d) => d.bytes), consistency);
      const head = {
        put: put.map((o, i) => writeEntry(batch.put[i]!.key, o)),
        delete: deleted.map((o, i) => writeEntry(batch.delete[i]!.key, o)),
      };
      const entry = (o: LookupOutcome, i: number): string => JSON.stringify(lookupEntry(batch.get[i]!.key, o, encoding));
      let body: PassThrough | undefined;
      let sent = 0;
      const send = async (part: LookupOutcome[]): Promise<void> => {
        for (const o of part) {
          await write(body!, `${sent === 0 ? '' : ','}${entry(o, sent)}`);
          sent += 1;
        }
      };
      try {
        const last = await readInParts(batch.get.map((g) => g.bytes), (keys) => coordinator.lookupMany(index, keys, consistency), lookupBytes, parts, async (part) => {
          if (!body) {
            body = new PassThrough();
            void reply.type('application/json; charset=utf-8').send(body);
            // The head as JSON.stringify writes it, its closing brace left off for the gets.
            await write(body, `${JSON.stringify(head).slice(0, -1)},"get":[`);
          }
          await send(part);
        });
        if (!body) return { ...head, get: last.map((o, i) => lookupEntry(batch.get[i]!.key, o, encoding)) };
        await send(last);
        body.end(']}');
      } catch (err) {
        // Past the status line an error can only cut the answer short, so that the client sees it fail.
        if (!body) throw err;
        body.destroy(err as Error);
      }
      return reply;
    });
  });
}

/** Writes to a streamed answer; waits while the client is not reading, fails when it went away. */
async function write(body: PassThrough, text: string): Promise<void> {
  const gone = (): DstashError => new DstashError(ErrorCode.Closed, 'the client went away before the answer was sent');
  if (body.destroyed) throw gone();
  if (body.write(text)) return;
  await new Promise<void>((resolve, reject) => {
    const settle = (err?: DstashError): void => {
      body.off('drain', drained);
      body.off('close', closed);
      if (err) reject(err);
      else resolve();
    };
    const drained = (): void => settle();
    const closed = (): void => settle(gone());
    body.on('drain', drained);
    body.on('close', closed);
  });
}

function failure(error: DstashError): { status: number; error: { code: string; message: string } } {
  const answer = fromDstashError(error);
  return { status: answer.status, error: answer.body.error };
}

function writeEntry(key: string, o: WriteOutcome): object {
  return o.error ? { key, ok: false, ...failure(o.error) } : { key, ok: true, version: versionText(o.version) };
}

function lookupEntry(key: string, o: LookupOutcome, encoding: TextEncoding): object {
  if (o.error) return { key, found: false, ...failure(o.error) };
  if (!o.found) return { key, found: false };
  return { key, found: true, value: encodeBytes(o.value ?? Buffer.alloc(0), encoding), version: versionText(o.version), expiresAt: o.expiresAt ?? 0 };
}
