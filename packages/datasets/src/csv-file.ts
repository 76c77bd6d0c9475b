import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { CsvError, parse } from 'csv-parse';

export interface CsvRow {
  cells: string[];
  /** 1-based line number in the file where the row ends. */
  line: number;
}

export interface CsvHeader {
  columns: string[];
  /** Index of a column; throws naming the file, the column and the available ones. */
  index(column: string): number;
}

export function makeHeader(file: string, columns: string[]): CsvHeader {
  return {
    columns,
    index(column: string): number {
      const i = columns.indexOf(column);
      if (i < 0) {
        throw new Error(`${file}: unknown column ${JSON.stringify(column)}; available columns: ${columns.map((c) => JSON.stringify(c)).join(', ')}`);
      }
      return i;
    },
  };
}

/**
 * Streams a delimited text file row by row (csv-parse, BOM stripped, blank lines skipped).
 * Parse errors are rethrown naming the file and line.
 */
export async function* readCsvRows(path: string, options: { delimiter?: string } = {}): AsyncGenerator<CsvRow> {
  const parser = createReadStream(path).pipe(
    parse({ bom: true, delimiter: options.delimiter ?? ',', skip_empty_lines: true, info: true, relax_quotes: true }),
  );
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      yield { cells: item.record, line: item.info.lines };
    }
  } catch (error) {
    if (error instanceof CsvError) throw new Error(`${basename(path)}: ${error.message}`, { cause: error });
    throw error;
  } finally {
    parser.destroy();
  }
}

/** Counts newline characters (a cheap upper bound of data rows + 1 header). */
export async function countLines(path: string): Promise<number> {
  const size = (await stat(path)).size;
  if (size === 0) return 0;
  let lines = 0;
  let lastByte = 10;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
    lastByte = chunk[chunk.length - 1] ?? lastByte;
  }
  return lastByte === 10 ? lines : lines + 1;
}

/** Parses one numeric cell; null when it is a missing-value marker. */
export type CellParser = (text: string, column: string, where: string) => number | null;

/** A cell parser for the given missing-value markers (compared after trimming). */
export function numericCells(missing: readonly string[], missingNumbers: readonly number[] = []): CellParser {
  const markers = new Set(missing);
  return (text, column, where) => {
    const t = text.trim();
    if (markers.has(t)) return null;
    const value = t === '' ? Number.NaN : Number(t);
    if (!Number.isFinite(value)) {
      throw new Error(`${where}: column ${JSON.stringify(column)} holds ${JSON.stringify(text.slice(0, 40))}, which is not a number nor a missing-value marker`);
    }
    return missingNumbers.includes(value) ? null : value;
  };
}
