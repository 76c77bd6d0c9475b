import { createRequire } from 'node:module';
import { decompress as zstdDecompress } from 'fzstd';
import kafkajs from 'kafkajs';

// Two small CommonJS decoders without type declarations: typed here, for the one function each.
const require = createRequire(import.meta.url);
const { decompress: lz4Decompress } = require('lz4js') as { decompress: (src: Uint8Array) => Uint8Array };
const { uncompress: snappyUncompress } = require('snappyjs') as { uncompress: (src: Uint8Array) => Uint8Array };

/*
 * kafkajs reads only gzip; a batch compressed with snappy, lz4 or zstd (what Java producers and
 * kcat send when configured to) makes it throw KafkaJSNotImplemented, which stops the consumer for
 * good — and a restarted ingest stops on the same batch again. These pure-JS decoders let ingest
 * read all four codecs. Producing stays gzip (our publishers' choice), so compress is refused.
 */

/** snappy-java's stream framing: magic, two version ints, then [length][snappy block] chunks. */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

function decodeSnappy(data: Buffer): Buffer {
  if (data.length >= 16 && data.subarray(0, 8).equals(XERIAL_MAGIC)) {
    const parts: Buffer[] = [];
    for (let at = 16; at < data.length; ) {
      const size = data.readUInt32BE(at);
      at += 4;
      if (at + size > data.length) throw new Error(`snappy: chunk of ${size} bytes runs past the end of the batch`);
      parts.push(Buffer.from(snappyUncompress(data.subarray(at, at + size))));
      at += size;
    }
    return Buffer.concat(parts);
  }
  return Buffer.from(snappyUncompress(data));
}

const decodeLz4 = (data: Buffer): Buffer => Buffer.from(lz4Decompress(data));
const decodeZstd = (data: Buffer): Buffer => Buffer.from(zstdDecompress(data));

function decodeOnly(name: string, decode: (data: Buffer) => Buffer) {
  return () => ({
    compress: () => Promise.reject(new Error(`producing ${name}-compressed batches is not supported (use gzip)`)),
    decompress: (data: Buffer) => Promise.resolve(decode(data)),
  });
}

// kafkajs is CommonJS and CompressionCodecs is not among the names Node can import from it directly.
const { CompressionCodecs, CompressionTypes } = kafkajs;

let registered = false;
/** Teaches kafkajs to read snappy, lz4 and zstd batches (idempotent). */
export function registerKafkaCodecs(): void {
  if (registered) return;
  registered = true;
  CompressionCodecs[CompressionTypes.Snappy] = decodeOnly('snappy', decodeSnappy);
  CompressionCodecs[CompressionTypes.LZ4] = decodeOnly('lz4', decodeLz4);
  CompressionCodecs[CompressionTypes.ZSTD] = decodeOnly('zstd', decodeZstd);
}
