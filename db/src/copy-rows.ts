// Bulk loading with COPY … FROM STDIN (text format): the gazetteer loader and the seed
// generator stream millions of rows through this instead of INSERT statements.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type postgres from 'postgres';

type Field = string | number | bigint | boolean | null | undefined;

/** One value in COPY text format: NULL as \N, backslash, tab and line breaks escaped. */
export function copyField(value: Field): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value !== 'string') return String(value);
  return value.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

export const copyLine = (fields: Field[]) => `${fields.map(copyField).join('\t')}\n`;

/** Joins lines into chunks of about 256 KB, so the stream is not written line by line. */
function* chunks(lines: Iterable<string>): Generator<string> {
  let buffer: string[] = [];
  let size = 0;
  for (const line of lines) {
    buffer.push(line);
    size += line.length;
    if (size >= 256 * 1024) {
      yield buffer.join('');
      buffer = [];
      size = 0;
    }
  }
  if (buffer.length) yield buffer.join('');
}

/** Runs `COPY table (columns) FROM STDIN` on `sql` (a pool, reserved connection or transaction). */
export async function copyRows(
  sql: postgres.Sql | postgres.TransactionSql,
  table: string,
  columns: string[],
  lines: Iterable<string>,
): Promise<void> {
  const target = await sql.unsafe(`COPY ${table} (${columns.join(', ')}) FROM STDIN`).writable();
  await pipeline(Readable.from(chunks(lines)), target);
}
