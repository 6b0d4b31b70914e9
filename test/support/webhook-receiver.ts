/** A webhook receiver on 127.0.0.1 for tests: what it got (headers and body), answering the statuses given in turn, then 200. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

export async function webhookReceiver(statuses: number[] = []) {
  const got: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/osw-hook`;
  return { server, got, url, statuses, close: () => new Promise<void>((r) => server.close(() => r())) };
}
