/**
 * How Redis values are stored in dstash records, and how their type is known.
 *
 * A Redis key is a dstash key of the connection's index; its record holds:
 * - a **string** as its raw bytes, so that the SDK, the REST API and Redis
 *   clients read the same value; except a string that itself starts with the
 *   type tag below, which is stored as tag + `s` + the string (so that it
 *   cannot be taken for a hash);
 * - a **hash** as one record: the tag, `h`, then each field and value as a
 *   32-bit big-endian length and the bytes. All of a hash's fields are thus
 *   in one partition and one record: HGETALL is one read, and every change to
 *   a hash is one compare-and-set of that record. A hash is bounded by the
 *   value limit (`--max-value-bytes`);
 * - a **list** the same way: the tag, `l`, then each element as a 32-bit
 *   big-endian length and the bytes, head first; bounded by the value limit
 *   too, and every push or pop rewrites the record.
 * TYPE and WRONGTYPE come from the record's first bytes.
 */

/** `\xff` `DSTASH` `\0`: no UTF-8 text starts with byte 0xff. */
export const TYPE_TAG = Buffer.from([0xff, 0x44, 0x53, 0x54, 0x41, 0x53, 0x48, 0x00]);
const STRING_MARK = 0x73;
const HASH_MARK = 0x68;
const LIST_MARK = 0x6c;

/** A hash: field (as latin1 text, one char a byte) to value, in insertion order. */
export type HashFields = Map<string, Buffer>;

/** A decoded value. */
export type RedisValue = { type: 'string'; value: Buffer } | { type: 'hash'; fields: HashFields } | { type: 'list'; items: Buffer[] };

function tagged(stored: Buffer): boolean {
  return stored.length > TYPE_TAG.length && stored.subarray(0, TYPE_TAG.length).equals(TYPE_TAG);
}

/** The Redis value a record holds. */
export function decodeValue(stored: Buffer): RedisValue {
  if (!tagged(stored)) return { type: 'string', value: stored };
  const mark = stored[TYPE_TAG.length];
  const body = stored.subarray(TYPE_TAG.length + 1);
  if (mark === HASH_MARK) {
    const parts = decodeParts(body);
    if (parts.length % 2 !== 0) throw new RangeError('truncated hash record');
    const fields: HashFields = new Map();
    for (let i = 0; i + 1 < parts.length; i += 2) fields.set(parts[i]!.toString('latin1'), parts[i + 1]!);
    return { type: 'hash', fields };
  }
  if (mark === LIST_MARK) return { type: 'list', items: decodeParts(body) };
  // A tagged string, or bytes that only look tagged: the string is what follows the mark.
  return { type: 'string', value: mark === STRING_MARK ? body : stored };
}

/** The record of a string. */
export function encodeString(value: Buffer): Buffer {
  return value.length >= TYPE_TAG.length && value.subarray(0, TYPE_TAG.length).equals(TYPE_TAG)
    ? Buffer.concat([TYPE_TAG, Buffer.of(STRING_MARK), value])
    : value;
}

/** The record of a hash. */
export function encodeHash(fields: HashFields): Buffer {
  const parts: Buffer[] = [];
  for (const [f, v] of fields) parts.push(Buffer.from(f, 'latin1'), v);
  return encodeParts(HASH_MARK, parts);
}

/** The record of a list (head first). */
export function encodeList(items: readonly Buffer[]): Buffer {
  return encodeParts(LIST_MARK, items);
}

/** The record of any value. */
export function encodeValue(value: RedisValue): Buffer {
  if (value.type === 'string') return encodeString(value.value);
  return value.type === 'hash' ? encodeHash(value.fields) : encodeList(value.items);
}

/** The tag, the mark, then each part as a 32-bit big-endian length and its bytes. */
function encodeParts(mark: number, parts: readonly Buffer[]): Buffer {
  let size = TYPE_TAG.length + 1;
  for (const p of parts) size += 4 + p.length;
  const out = Buffer.allocUnsafe(size);
  TYPE_TAG.copy(out, 0);
  out[TYPE_TAG.length] = mark;
  let pos = TYPE_TAG.length + 1;
  for (const p of parts) {
    out.writeUInt32BE(p.length, pos);
    pos += 4 + p.copy(out, pos + 4);
  }
  return out;
}

function decodeParts(body: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let pos = 0;
  while (pos < body.length) {
    if (pos + 4 > body.length) throw new RangeError('truncated record');
    const n = body.readUInt32BE(pos);
    if (pos + 4 + n > body.length) throw new RangeError('truncated record');
    parts.push(body.subarray(pos + 4, pos + 4 + n));
    pos += 4 + n;
  }
  return parts;
}

/** A field name as a map key. */
export function fieldName(field: Buffer): string {
  return field.toString('latin1');
}
