// A fetched body as text, in the encoding it declares. Decoding every body as UTF-8 turned a
// Windows-1252 page's "San António" into "San Ant\uFFFDnio" and a Latin-1 feed's "Montréal" into
// "Montr\uFFFDal", stored and published without a word, while the same feed given as a file was
// refused. The charset comes from the Content-Type, or for a page without one there, from its
// `<meta charset>`; a body that declares none must be UTF-8, and is refused naming the first byte
// that is not.
import { lazyRequire } from '../../common/lazy-require.js';
import { scanUtf8 } from '../utf8-check.js';
import { isUtf8 } from 'node:buffer';

/** A body this reader cannot turn into text faithfully. */
export class BodyEncodingError extends Error {
  override name = 'BodyEncodingError';
}

const UTF8 = new Set(['utf-8', 'utf8', 'unicode-1-1-utf-8']);
// The WHATWG Encoding Standard's labels for windows-1252.
const LATIN1_LABELS = new Set([
  'ansi_x3.4-1968',
  'ascii',
  'cp1252',
  'cp819',
  'csisolatin1',
  'ibm819',
  'iso-8859-1',
  'iso-ir-100',
  'iso8859-1',
  'iso88591',
  'iso_8859-1',
  'iso_8859-1:1987',
  'l1',
  'latin1',
  'us-ascii',
  'windows-1252',
  'x-cp1252',
]);
// Loaded by the first body that declares another encoding: most never do.
const iconv = lazyRequire<typeof import('iconv-lite')>('iconv-lite');

/** The charset a response declares: its Content-Type's parameter, else an HTML page's meta tag. */
export function declaredCharset(bytes: Uint8Array, contentType: string | null): string | null {
  const header = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '');
  if (header) return header[1]!.toLowerCase();
  if (!/html/i.test(contentType ?? '')) return null;
  // HTML says the declaration sits in the first 1,024 bytes; ASCII is all it needs to be read.
  const head = Buffer.from(bytes.subarray(0, 1024)).toString('latin1');
  const meta = /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(head);
  return meta ? meta[1]!.toLowerCase() : null;
}

export function bodyText(bytes: Uint8Array, contentType: string | null): string {
  const charset = declaredCharset(bytes, contentType);
  if (charset !== null && !UTF8.has(charset)) {
    // The web reads Latin-1 labels as Windows-1252 (its superset: – and € live at 0x96 and 0x80),
    // and so does every browser. Node's TextDecoder reads "windows-1252" as Latin-1, which made
    // those bytes control characters; iconv-lite has the real tables.
    const name = LATIN1_LABELS.has(charset) ? 'windows-1252' : charset;
    if (!iconv().encodingExists(name))
      throw new BodyEncodingError(`declares charset ${JSON.stringify(charset)}, which is not an encoding this reader knows`);
    return iconv().decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), name);
  }
  if (!isUtf8(bytes)) {
    const s = scanUtf8(bytes);
    const at = s.invalidAt >= 0 ? s.invalidAt : s.incompleteFrom;
    const hex = bytes[at]!.toString(16).toUpperCase().padStart(2, '0');
    throw new BodyEncodingError(
      `is not UTF-8 (byte ${at}, 0x${hex}) and declares ${charset === null ? 'no other charset' : 'charset utf-8'}; read as UTF-8 it would be stored with characters replaced`,
    );
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}
