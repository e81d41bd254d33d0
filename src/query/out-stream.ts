/**
 * Where a streamed result goes: `--out FILE` opened before any work (so a wrong path is a
 * one-line error, not a lost run), or stdout; and writes that wait for the reader.
 */
import { once } from 'node:events';
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { UsageError, errnoReason } from '../errors.js';

export async function openOutFile(file: string): Promise<Writable> {
  const handle = await open(file, 'w').catch((error: unknown) => {
    throw new UsageError(`cannot write --out ${file}: ${errnoReason(error)}`, { cause: error });
  });
  const stream = handle.createWriteStream();
  stream.on('error', () => undefined); // reported by the writer that awaits it
  return stream;
}

/** Ends a file's stream and waits until it is written (stdout stays open). */
export async function finishOut(stream: Writable): Promise<void> {
  if (stream === process.stdout) return;
  await new Promise<void>((resolve, reject) => {
    stream.once('error', reject);
    stream.end(resolve);
  });
}

/** Writes `text`, waiting while the output's buffer is full. */
export async function writeText(out: Writable, text: string): Promise<void> {
  if (out.errored) throw out.errored;
  // events.once rejects on 'error': a failed output ends the writer instead of waiting forever.
  if (!out.write(text)) await once(out, 'drain');
}
