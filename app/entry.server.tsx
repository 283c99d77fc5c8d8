import { PassThrough } from 'node:stream';
import type { EntryContext } from '@remix-run/node';
import { createReadableStreamFromReadable } from '@remix-run/node';
import { isRouteErrorResponse, RemixServer } from '@remix-run/react';
import { renderToPipeableStream } from 'react-dom/server';
import { config } from '~/utils/config.server';
import { noteRequestError, unavailableStatus } from '~/utils/errors.server';
import { NonceProvider } from '~/utils/nonce-provider';
import { contentSecurityPolicy, newNonce } from '~/utils/security-headers.server';

const ABORT_DELAY = 10_000;

/** Every error a loader or action throws: logged as Remix would, and noted when it means the database is out of reach. */
export function handleError(error: unknown, { request }: { request: Request }) {
  noteRequestError(request, error);
  if (!request.signal.aborted) console.error(isRouteErrorResponse(error) ? error.data : error);
}

/** Client navigations (single fetch): 503 with Retry-After, not 500, when the database could not be reached. */
export function handleDataRequest(response: Response, { request }: { request: Request }) {
  const status = unavailableStatus(request, response.headers);
  return status ? new Response(response.body, { status, headers: response.headers }) : response;
}

export default function handleRequest(request: Request, responseStatusCode: number, responseHeaders: Headers, remixContext: EntryContext) {
  responseStatusCode = unavailableStatus(request, responseHeaders) ?? responseStatusCode;
  // One nonce per document: the CSP names it, and every script Remix writes carries it.
  const nonce = newNonce();
  return new Promise((resolve, reject) => {
    let shellRendered = false;
    const app = (
      <NonceProvider value={nonce}>
        <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY} nonce={nonce} />
      </NonceProvider>
    );
    const { pipe, abort } = renderToPipeableStream(app, {
      nonce,
      onShellReady() {
        shellRendered = true;
        const body = new PassThrough();
        responseHeaders.set('Content-Type', 'text/html; charset=utf-8');
        // The other security headers are server.ts's, on every response.
        responseHeaders.set('Content-Security-Policy', contentSecurityPolicy(nonce, { development: config().NODE_ENV === 'development' }));
        resolve(new Response(createReadableStreamFromReadable(body), { headers: responseHeaders, status: responseStatusCode }));
        pipe(body);
      },
      onShellError(error: unknown) {
        reject(error);
      },
      onError(error: unknown) {
        responseStatusCode = 500;
        if (shellRendered) console.error(error);
      },
    });
    setTimeout(abort, ABORT_DELAY);
  });
}
