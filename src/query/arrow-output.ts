/**
 * Query results as an Arrow IPC stream (for pandas, polars, DuckDB elsewhere), built with
 * apache-arrow one record batch per DuckDB chunk, so a result of any size streams out.
 * `@duckdb/node-api` has no Arrow export, hence the type mapping here: each DuckDB column type
 * gets an Arrow type and a converter of its values, decided once per column.
 */
import type { Writable } from 'node:stream';
import {
  Bool,
  type DataType,
  DateDay,
  Field,
  Float64,
  Int32,
  Int64,
  List,
  Map_,
  makeBuilder,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  TimestampMicrosecond,
  Utf8,
  type Data,
} from 'apache-arrow';
import {
  DuckDBDateValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
} from '@duckdb/node-api';
import { cellText, jsonValueConverter } from './json-value.js';

/** How one DuckDB column type is written to Arrow. */
interface ArrowColumn {
  readonly type: DataType;
  convert(value: DuckDBValue): unknown;
}

/** A column Arrow cannot hold exactly, as the text a table or CSV cell shows. */
function text(type: DuckDBType): ArrowColumn {
  return {
    type: new Utf8(),
    convert: (v) => cellText(jsonValueConverter(v, type, jsonValueConverter)),
  };
}

const UNKNOWN_TEXT = new Utf8();

function numeric(type: DataType): ArrowColumn {
  return { type, convert: (v) => (typeof v === 'number' ? v : Number(v)) };
}

function timestamp(tz?: string): ArrowColumn {
  return {
    type: new TimestampMicrosecond(tz),
    // apache-arrow takes epoch milliseconds and stores microseconds.
    convert: (v) =>
      v instanceof DuckDBTimestampValue || v instanceof DuckDBTimestampTZValue
        ? Number(v.micros) / 1000
        : null,
  };
}

/** The Arrow form of a DuckDB column type; what Arrow cannot hold exactly becomes text. */
export function arrowColumn(type: DuckDBType): ArrowColumn {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return { type: new Bool(), convert: (v) => v === true };
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
      return numeric(new Int32());
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.HUGEINT:
      // SUM() of integers is a HUGEINT in DuckDB; counts of events never leave 64 bits.
      return {
        type: new Int64(),
        convert: (v) => BigInt.asIntN(64, typeof v === 'bigint' ? v : BigInt(Number(v))),
      };
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.DECIMAL:
      return numeric(new Float64());
    case DuckDBTypeId.DATE:
      return {
        type: new DateDay(),
        convert: (v) => (v instanceof DuckDBDateValue ? v.days * 86_400_000 : null),
      };
    case DuckDBTypeId.TIMESTAMP:
      return timestamp();
    case DuckDBTypeId.TIMESTAMP_TZ:
      return timestamp('UTC');
    case DuckDBTypeId.LIST: {
      const item = arrowColumn(type.valueType);
      return {
        type: new List(new Field('item', item.type, true)),
        convert: (v) =>
          v instanceof DuckDBListValue
            ? v.items.map((x) => (x === null ? null : item.convert(x)))
            : null,
      };
    }
    case DuckDBTypeId.STRUCT: {
      const entries = type.entryNames.map((name, i) => ({
        name,
        column: arrowColumn(type.entryTypes[i] ?? type),
      }));
      return {
        type: new Struct(entries.map((e) => new Field(e.name, e.column.type, true))),
        convert: (v) =>
          v instanceof DuckDBStructValue
            ? Object.fromEntries(
                entries.map((e) => {
                  const x = v.entries[e.name] ?? null;
                  return [e.name, x === null ? null : e.column.convert(x)];
                }),
              )
            : null,
      };
    }
    case DuckDBTypeId.MAP: {
      const key = arrowColumn(type.keyType);
      const value = arrowColumn(type.valueType);
      const entries = new Struct<{ key: DataType; value: DataType }>([
        new Field('key', key.type, false),
        new Field('value', value.type, true),
      ]);
      return {
        type: new Map_(new Field('entries', entries, false)),
        convert: (v) =>
          v instanceof DuckDBMapValue
            ? new Map(
                v.entries.map((e) => [
                  key.convert(e.key),
                  e.value === null ? null : value.convert(e.value),
                ]),
              )
            : null,
      };
    }
    default:
      return text(type);
  }
}

function columnData(column: ArrowColumn, values: Iterable<DuckDBValue>): Data {
  const builder = makeBuilder<DataType, null>({ type: column.type, nullValues: [null] });
  for (const value of values) builder.append(value === null ? null : column.convert(value));
  // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- apache-arrow types flush() as Data<any>
  const data: Data = builder.finish().flush();
  return data;
}

export async function writeArrowStream(
  names: readonly string[],
  types: readonly DuckDBType[],
  chunks: AsyncIterable<DuckDBValue[][]>,
  out: Writable,
): Promise<number> {
  const columns = types.map(arrowColumn);
  const schema = new Schema(
    names.map((name, i) => new Field(name, columns[i]?.type ?? UNKNOWN_TEXT, true)),
  );
  const batch = (rows: readonly DuckDBValue[][]): RecordBatch => {
    const data: Record<string, Data> = {};
    names.forEach((name, i) => {
      const column = columns[i];
      if (column === undefined) throw new Error(`internal error: no Arrow type for ${name}`);
      data[name] = columnData(
        column,
        rows.map((row) => row[i] ?? null),
      );
    });
    return new RecordBatch(data);
  };
  const writer = RecordBatchStreamWriter.throughNode();
  const finished = new Promise<void>((resolve, reject) => {
    out.once('finish', resolve);
    out.once('error', reject);
  });
  // A write error (a full disk) may come while rows are still being read: it is reported below,
  // where `finished` is awaited, not as an unhandled rejection.
  finished.catch(() => undefined);
  writer.pipe(out);
  let rows = 0;
  for await (const chunk of chunks) {
    if (chunk.length === 0) continue;
    writer.write(batch(chunk));
    rows += chunk.length;
  }
  if (rows === 0) writer.write(new RecordBatch(schema));
  writer.end();
  if (out !== process.stdout) await finished;
  return rows;
}
