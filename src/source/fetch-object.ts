/**
 * Reads the stored bytes of an object. Runs inside ingest workers, so the bytes never cross a
 * thread boundary.
 */
import { readFileSync } from 'node:fs';
import type { ObjectLocation } from './trail-object.js';

export function fetchObjectBytes(location: ObjectLocation): Promise<Buffer> {
  // Synchronous on purpose: the worker thread has nothing else to do meanwhile, and four thread-
  // pool round trips per file (open, stat, read, close) cost more than the read for small logs.
  return Promise.resolve(readFileSync(location.path));
}
