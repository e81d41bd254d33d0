/**
 * A real S3-compatible server for the tests: moto_server on a free loopback port, started by the
 * test and killed when it ends (or when the test process dies).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export function hasMoto(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v moto_server'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const NO_MOTO_REASON =
  'moto_server is not installed (python3 -m pip install "moto[server]"); .ci/run requires it';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });
  });
}

export interface Moto {
  readonly endpoint: string;
  stop(): void;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  running.add(child);
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    const up = await fetch(`${endpoint}/moto-api/`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) {
      return {
        endpoint,
        stop: () => {
          child.kill('SIGKILL');
          running.delete(child);
        },
      };
    }
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error('moto_server did not start');
}
