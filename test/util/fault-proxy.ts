/**
 * A loopback HTTP proxy in front of the S3 server that counts requests and injects the faults
 * of real networks into object GETs: 503 SlowDown, a reset before the response headers, a body
 * cut off after 100 bytes or after half its length, and (for one key) 403 Access Denied; and cuts
 * the connections of object PUTs once a given number has passed. Independent of which server is behind.
 */
import http from 'node:http';
import { freePort } from '../../fixtures/s3-server.js';

export type Fault = 'slowdown' | 'reset' | 'cut-body' | 'cut-late' | 'deny' | 'cut-upload';

export interface FaultPlan {
  /** Faults applied to object GETs, in order, one per request, then pass-through. */
  readonly sequence?: readonly Fault[];
  /** Faults applied to every GET of keys containing the text. */
  readonly always?: readonly { readonly keyContains: string; readonly fault: Fault }[];
  /**
   * Object PUTs let through before the network "goes down": every later PUT has its connection
   * cut as its body arrives.
   */
  readonly putsBeforeCut?: number;
}

export interface RequestLog {
  readonly method: string;
  readonly path: string;
  readonly list: boolean;
  readonly prefix: string | null;
  readonly continued: boolean;
  readonly fault: Fault | null;
}

export class FaultProxy {
  readonly log: RequestLog[] = [];
  #plan: FaultPlan = {};
  #next = 0;
  #server: http.Server | undefined;
  endpoint = '';

  constructor(readonly upstream: string) {}

  setPlan(plan: FaultPlan): void {
    this.#plan = plan;
    this.#next = 0;
    this.log.length = 0;
  }

  get objectGets(): number {
    return this.log.filter((r) => r.method === 'GET' && !r.list).length;
  }

  /** Object PUTs the server received (not the ones cut). */
  get objectPuts(): RequestLog[] {
    return this.log.filter((r) => r.method === 'PUT' && r.fault === null);
  }

  get listRequests(): RequestLog[] {
    return this.log.filter((r) => r.list);
  }

  async start(): Promise<void> {
    const port = await freePort();
    const upstream = new URL(this.upstream);
    this.#server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://proxy');
      const list = url.searchParams.has('list-type');
      let fault: Fault | null = null;
      const putsBeforeCut = this.#plan.putsBeforeCut;
      if (req.method === 'PUT' && putsBeforeCut !== undefined) {
        const puts = this.log.filter((r) => r.method === 'PUT').length;
        if (puts >= putsBeforeCut) fault = 'cut-upload';
      }
      if (req.method === 'GET' && !list) {
        const always = this.#plan.always?.find((a) =>
          decodeURIComponent(url.pathname).includes(a.keyContains),
        );
        if (always) fault = always.fault;
        else if (this.#next < (this.#plan.sequence?.length ?? 0))
          fault = this.#plan.sequence?.[this.#next++] ?? null;
      }
      this.log.push({
        method: req.method ?? '',
        path: url.pathname,
        list,
        prefix: url.searchParams.get('prefix'),
        continued: url.searchParams.has('continuation-token'),
        fault,
      });
      if (fault === 'reset') {
        req.socket.destroy();
        return;
      }
      if (fault === 'cut-upload') {
        req.once('data', () => req.socket.destroy());
        req.once('end', () => req.socket.destroy());
        return;
      }
      if (fault === 'slowdown' || fault === 'deny') {
        const [status, code] = fault === 'slowdown' ? [503, 'SlowDown'] : [403, 'AccessDenied'];
        res.writeHead(status, { 'Content-Type': 'application/xml' });
        res.end(
          `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message><RequestId>x</RequestId></Error>`,
        );
        return;
      }
      const forward = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (upstreamRes) => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          if (fault !== 'cut-body' && fault !== 'cut-late') {
            upstreamRes.pipe(res);
            return;
          }
          // Send part of the body, then drop the connection: the client sees a short body.
          const length = Number(upstreamRes.headers['content-length'] ?? 200);
          const cutAt = fault === 'cut-body' ? 100 : Math.floor(length / 2);
          let sent = 0;
          upstreamRes.on('data', (chunk: Buffer) => {
            if (sent >= cutAt) return;
            const part = chunk.subarray(0, cutAt - sent);
            sent += part.length;
            res.write(part, () => {
              if (sent >= cutAt) res.socket?.destroy();
            });
          });
          upstreamRes.on('end', () => res.socket?.destroy());
        },
      );
      forward.on('error', () => res.socket?.destroy());
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => this.#server?.listen(port, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server?.closeAllConnections();
      this.#server?.close(() => {
        resolve();
      });
    });
  }
}
