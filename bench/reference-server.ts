/**
 * The bare reference for the save benchmark: plain `node:http` and postgres.js, one process, no framework, no
 * sign-in, no validation. For each `PATCH /api/v1/responses/{id}` with a JSON body `{ "set": {...} }` it runs, in one
 * transaction, one UPDATE of a jsonb row (`data = data || set`, `revision = revision + 1`) and one INSERT of a
 * revision row, then answers `{ id, revision }`: the least any save that keeps history has to do. Its tables
 * (bench/saves.ts creates them) sit in the same database as the app's. `GET /healthz` answers 200.
 *   REFERENCE_DATABASE_URL, PORT, HOST (default 127.0.0.1), REFERENCE_POOL_SIZE (default 10, as the app's pool)
 * Started by the save benchmark (bench/saves.ts), not by hand.
 */
import http from 'node:http';
import postgres from 'postgres';

const MAX_BODY = 256 * 1024;
const url = process.env.REFERENCE_DATABASE_URL;
if (!url) throw new Error('REFERENCE_DATABASE_URL is required');
const sql = postgres(url, { max: Number(process.env.REFERENCE_POOL_SIZE ?? 10), onnotice: () => {} });

function answer(res: http.ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const server = http.createServer((req, res) => {
  void (async () => {
    try {
      if (req.method === 'GET' && req.url === '/healthz') return answer(res, 200, { ok: true });
      const match = /^\/api\/v1\/responses\/(\d+)$/.exec(req.url ?? '');
      if (!match || req.method !== 'PATCH') return answer(res, 404, { error: 'not found' });
      const id = Number(match[1]);
      const change = JSON.parse(await readBody(req)) as { set?: Record<string, unknown> };
      const set = change.set ?? {};
      const revision = await sql.begin(async (tx) => {
        const [row] = await tx<{ revision: number }[]>`
          update bench_reference_responses set data = data || ${tx.json(set as postgres.JSONValue)}, revision = revision + 1, updated_at = now()
          where id = ${id} returning revision`;
        if (!row) return null;
        await tx`insert into bench_reference_revisions (response_id, revision, changes) values (${id}, ${row.revision}, ${tx.json(set as postgres.JSONValue)})`;
        return row.revision;
      });
      if (revision === null) return answer(res, 404, { error: 'not found' });
      answer(res, 200, { id, revision });
    } catch (error) {
      answer(res, 500, { error: String(error) });
    }
  })();
});

server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 3100), process.env.HOST ?? '127.0.0.1', () => {
  console.log(`reference server listening on ${process.env.PORT}`);
});

const stop = () => {
  server.close();
  server.closeAllConnections();
  void sql.end({ timeout: 2 }).then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
