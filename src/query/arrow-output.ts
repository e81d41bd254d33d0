/**
 * Query results as an Arrow IPC stream (for pandas, polars, DuckDB elsewhere), built with
 * apache-arrow one record batch per DuckDB chunk, so a result of any size streams out.
 * `@duckdb/node-api` has no Arrow export, hence the type mapping here.
 */
import type { Writable } from 'node:stream';
import {
  type Builder,
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
  Bool,
  makeData,
} from 'apache-arrow';
import {
  DuckDBDateValue,
  DuckDBListType,
  DuckDBListValue,
  DuckDBMapType,
  DuckDBMapValue,
  DuckDBStructType,
  DuckDBStructValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
} from '@duckdb/node-api';
import { toCellText } from './json-value.js';

/** The Arrow type of a DuckDB column type; what Arrow cannot hold exactly becomes text. */
export function arrowType(type: DuckDBType): DataType {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return new Bool();
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
      return new Int32();
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UINTEGER:
    // SUM() of integers is a HUGEINT in DuckDB; counts of events never leave 64 bits.
    case DuckDBTypeId.HUGEINT:
      return new Int64();
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.DECIMAL:
      return new Float64();
    case DuckDBTypeId.DATE:
      return new DateDay();
    case DuckDBTypeId.TIMESTAMP:
      return new TimestampMicrosecond();
    case DuckDBTypeId.TIMESTAMP_TZ:
      return new TimestampMicrosecond('UTC');
    case DuckDBTypeId.LIST:
      return new List(new Field('item', arrowType((type as DuckDBListType).valueType), true));
    case DuckDBTypeId.STRUCT: {
      const struct = type as DuckDBStructType;
      return new Struct(
        struct.entryNames.map(
          (name, i) => new Field(name, arrowType(struct.entryTypes[i] ?? type), true),
        ),
      );
    }
    case DuckDBTypeId.MAP: {
      const map = type as DuckDBMapType;
      const entries = new Struct([
        new Field('key', arrowType(map.keyType), false),
        new Field('value', arrowType(map.valueType), true),
      ]);
      return new Map_(new Field('entries', entries, false));
    }
    default:
      return new Utf8();
  }
}

/** A DuckDB value in the form the apache-arrow builder of `type` accepts. */
function arrowValue(value: DuckDBValue, type: DataType): unknown {
  if (value === null) return null;
  if (type instanceof Utf8) return toCellText(value);
  if (type instanceof Int32 || type instanceof Float64) return Number(value as number);
  if (type instanceof Int64)
    return BigInt.asIntN(64, typeof value === 'bigint' ? value : BigInt(value as number));
  if (type instanceof TimestampMicrosecond) {
    const micros = (value as DuckDBTimestampValue | DuckDBTimestampTZValue).micros;
    return Number(micros) / 1000;
  }
  if (type instanceof DateDay) return (value as DuckDBDateValue).days * 86_400_000;
  if (type instanceof List)
    return (value as DuckDBListValue).items.map((item) =>
      arrowValue(item, type.children[0]?.type as DataType),
    );
  if (type instanceof Struct) {
    const entries = (value as DuckDBStructValue).entries;
    return Object.fromEntries(
      type.children.map((f) => [f.name, arrowValue(entries[f.name] ?? null, f.type as DataType)]),
    );
  }
  if (type instanceof Map_) {
    const [keyField, valueField] = (type.children[0]?.type as Struct).children;
    return new Map(
      (value as DuckDBMapValue).entries.map((e) => [
        arrowValue(e.key, keyField?.type as DataType),
        arrowValue(e.value, valueField?.type as DataType),
      ]),
    );
  }
  return value;
}

export async function writeArrowStream(
  columns: readonly string[],
  types: readonly DuckDBType[],
  chunks: AsyncIterable<DuckDBValue[][]>,
  out: Writable,
): Promise<number> {
  const fields = columns.map(
    (name, i) => new Field(name, arrowType(types[i] ?? types[0] ?? ({} as DuckDBType)), true),
  );
  const schema = new Schema(fields);
  const writer = RecordBatchStreamWriter.throughNode();
  writer.pipe(out);
  const done = new Promise<void>((resolve, reject) => {
    out.once('finish', resolve);
    out.once('error', reject);
  });
  let rows = 0;
  let wrote = false;
  for await (const chunk of chunks) {
    if (chunk.length === 0) continue;
    const children = fields.map((field, i) => {
      const builder: Builder = makeBuilder({ type: field.type as DataType, nullValues: [null] });
      for (const row of chunk) builder.append(arrowValue(row[i] ?? null, field.type as DataType));
      return builder.finish().flush();
    });
    const data = makeData({
      type: new Struct(fields),
      length: chunk.length,
      nullCount: 0,
      children,
    });
    writer.write(new RecordBatch(schema, data));
    wrote = true;
    rows += chunk.length;
  }
  if (!wrote)
    writer.write(
      new RecordBatch(
        schema,
        makeData({
          type: new Struct(fields),
          length: 0,
          nullCount: 0,
          children: fields.map((f) =>
            makeBuilder({ type: f.type as DataType })
              .finish()
              .flush(),
          ),
        }),
      ),
    );
  writer.end();
  await done;
  return rows;
}
