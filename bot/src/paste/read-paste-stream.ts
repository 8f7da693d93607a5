import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { Evidence } from '../evidence/evidence';
import { createPasteReader, MAX_LINE_CHARS } from './paste-reader';

/**
 * Streams a paste through the reader: memory stays bounded whatever the
 * input size (a line longer than the limit is skipped and reported, not
 * buffered). Invalid UTF-8 becomes U+FFFD and is read like any other text.
 */
export async function readPasteStream(input: Readable): Promise<Evidence> {
  const reader = createPasteReader();
  const decoder = new StringDecoder('utf8');
  let partial = '';
  let overlong = false;
  const take = (text: string): void => {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      if (overlong) {
        reader.skipLine(`line longer than ${MAX_LINE_CHARS} characters`);
        overlong = false;
        partial = '';
      } else {
        reader.line(partial ? partial + text.slice(start, nl) : text.slice(start, nl));
        partial = '';
      }
      start = nl + 1;
    }
    const rest = text.slice(start);
    if (overlong) return;
    if (partial.length + rest.length > MAX_LINE_CHARS) { overlong = true; partial = ''; return; }
    partial += rest;
  };
  for await (const chunk of input) take(typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer));
  take(decoder.end());
  if (overlong) reader.skipLine(`line longer than ${MAX_LINE_CHARS} characters`);
  else if (partial) reader.line(partial);
  return reader.finish();
}
