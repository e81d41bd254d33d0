/**
 * The worker pool. Workers hold no DuckDB state between tasks (see worker.ts), so `close` is
 * only ever called once every task has settled and terminating them is safe.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { packagePath } from '../util/package-files.js';
import type { IngestTask, TaskResult } from './task.js';

function workerFile(): string {
  const sibling = fileURLToPath(new URL('./worker.js', import.meta.url));
  // Under the test runner this module is TypeScript; the workers always run the built code.
  return existsSync(sibling) ? sibling : packagePath('dist', 'src', 'ingest', 'worker.js');
}

export class IngestPool {
  readonly #pool: Piscina<IngestTask, TaskResult>;

  constructor(threads: number) {
    this.#pool = new Piscina<IngestTask, TaskResult>({
      filename: workerFile(),
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: 60_000,
    });
  }

  run(task: IngestTask): Promise<TaskResult> {
    return this.#pool.run(task);
  }

  async close(): Promise<void> {
    await this.#pool.destroy();
  }
}
