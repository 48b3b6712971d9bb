// A response the upstream compressed (content-encoding) reaches the CLI compressed, untouched; the
// parsers read a decompressed copy. The copy is decompressed as a stream, so its figures are ready
// only once the stream has flushed: `close` calls back then.
import * as zlib from 'node:zlib';
import type { ResponseFigures, ResponseObserver } from '../types';

export interface DecodedObserver {
  push(chunk: Buffer): void;
  /** Calls back with the figures once everything pushed has been read (at once when not compressed). */
  close(done: (figures: ResponseFigures | null) => void): void;
  /** What was read so far, now (the proxy is ending). */
  endNow(): ResponseFigures | null;
}

function decoderFor(encoding: string | null): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | null {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return null;
  }
}

export function decodedObserver(observer: ResponseObserver, encoding: string | null): DecodedObserver {
  let ended: ResponseFigures | null = null;
  const end = (): ResponseFigures | null => {
    if (ended) return ended;
    try {
      ended = observer.end();
    } catch {
      ended = null;
    }
    return ended;
  };
  const decoder = decoderFor(encoding);
  if (!decoder) return { push: (chunk) => observer.push(chunk), close: (done) => done(end()), endNow: end };
  // A body that does not decompress is counted as unparsed by the observer (it saw no value).
  decoder.on('data', (chunk: Buffer) => observer.push(chunk));
  decoder.on('error', () => decoder.removeAllListeners('data'));
  return {
    push: (chunk) => {
      if (!decoder.destroyed) decoder.write(chunk);
    },
    close: (done) => {
      if (decoder.destroyed || decoder.writableEnded) return done(end());
      decoder.once('close', () => done(end()));
      decoder.end();
    },
    endNow: end,
  };
}
