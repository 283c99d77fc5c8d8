import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, ensureBuild, startServer, type TestServer } from './helpers/browser';

/**
 * A body past the API's limit is refused with 413 and `Connection: close`, so a client on a keep-alive connection
 * opens a new one for its next request instead of reusing the one the server is closing (issue 14). Runs the
 * production server, as a client would see it.
 */

let server: TestServer;
let cookie: string;
beforeAll(async () => {
  ensureBuild();
  server = await startServer();
  const login = await fetch(`${server.url}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url },
    body: new URLSearchParams({ email: 'admin@demo.stocktake.example', password: DEMO_PASSWORD }),
    redirect: 'manual',
  });
  cookie = (login.headers.get('Set-Cookie') ?? '').split(';')[0];
  expect(cookie).toMatch(/^stocktake_session=/);
}, 180_000);
afterAll(() => server?.stop());

type Reply = { status: number; headers: http.IncomingHttpHeaders; body: string };

/** One request through `agent`; `chunks` are written one by one (chunked transfer when no Content-Length is given). */
function send(agent: http.Agent, method: string, path: string, headers: Record<string, string>, chunks: Buffer[] = []): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${server.url}${path}`, { method, agent, headers: { Cookie: cookie, Origin: server.url, ...headers } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
    });
    request.on('error', reject);
    for (const chunk of chunks) request.write(chunk);
    request.end();
  });
}

const big = () => Buffer.alloc(300 * 1024, 'a');

describe('a body over the limit', () => {
  for (const [how, headers] of [
    ['declared by Content-Length', { 'Content-Length': String(300 * 1024) }],
    ['sent chunked, without a length', {}],
  ] as const) {
    it(`(${how}) gets 413 with Connection: close, and the client's next request on its keep-alive agent succeeds`, async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const before = await send(agent, 'GET', '/healthz', {});
        expect(before.status).toBe(200);
        const refused = await send(agent, 'PATCH', '/api/v1/responses/1', { 'Content-Type': 'application/json', ...headers }, [big()]);
        expect(refused.status).toBe(413);
        expect(refused.headers.connection).toBe('close');
        expect(JSON.parse(refused.body)).toMatchObject({ status: 413, limit: 256 * 1024 });
        const after = await send(agent, 'GET', '/healthz', {});
        expect(after.status).toBe(200);
      } finally {
        agent.destroy();
      }
    });
  }
});
