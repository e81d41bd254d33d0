/** Parsers of flag values: each refuses a bad value with the reason commander prints. */
import { InvalidArgumentError } from 'commander';
import { parseShard, type Shard, SHARD_RULE } from '../source/object-shard.js';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return n;
}

/** More threads than this only queue for the cores and multiply the memory. */
const MAX_WORKERS = 256;

export function workerCount(value: string): number {
  const n = positiveInt(value);
  if (n > MAX_WORKERS) throw new InvalidArgumentError(`expected at most ${String(MAX_WORKERS)}`);
  return n;
}

const UNIT_BYTES: Record<string, number> = {
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  KIB: 2 ** 10,
  MIB: 2 ** 20,
  GIB: 2 ** 30,
};

/** Below this DuckDB cannot even hold a record batch: every object would fail. */
const MIN_MEMORY_BYTES = 16e6;

/** A DuckDB memory size (`256MB`, `1GiB`), at least 16 MB. */
export function memorySize(value: string): string {
  const match = /^(\d+(?:\.\d+)?)\s*(KB|MB|GB|KiB|MiB|GiB)$/i.exec(value.trim());
  if (!match) throw new InvalidArgumentError('expected a size such as 256MB or 1GB');
  const unit = (match[2] ?? '').toUpperCase();
  if (Number(match[1]) * (UNIT_BYTES[unit] ?? 0) < MIN_MEMORY_BYTES) {
    throw new InvalidArgumentError('expected at least 16MB');
  }
  return `${match[1] ?? ''}${unit.replace('IB', 'iB')}`;
}

/** `--shard i/n`. */
export function shard(value: string): Shard {
  const parsed = parseShard(value);
  if (parsed === undefined) throw new InvalidArgumentError(SHARD_RULE);
  return parsed;
}

/** A number of seconds, 0 for no limit. */
export function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || value.trim() === '') {
    throw new InvalidArgumentError('expected a number of seconds (0 for no limit)');
  }
  return n;
}

/** A repeatable flag whose values may also be comma-separated. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').filter((v) => v !== '')];
}

/** `--param name=value`, repeatable. */
export function collectParam(
  value: string,
  previous: Record<string, string>,
): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected name=value');
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}
