import { isRouteErrorResponse, Link, useRouteError } from '@remix-run/react';

const MESSAGES: Record<number, { title: string; advice: string }> = {
  400: { title: 'That request was not understood', advice: 'Go back, check what you entered and try again.' },
  403: { title: 'Your role does not allow this', advice: 'If you need access, ask a Stocktake administrator.' },
  404: { title: 'Page not found', advice: 'The page or record does not exist, or it is not one you can see.' },
  409: { title: 'That change could not be made', advice: 'The record changed or is closed. Reload the page to see its current state.' },
};

/** The one error boundary: a clear message per status, never a stack trace. */
export function GeneralErrorBoundary() {
  const error = useRouteError();
  let status = 500;
  let detail: string | null = null;
  if (isRouteErrorResponse(error)) {
    status = error.status;
    detail = typeof error.data === 'string' ? error.data : (error.data?.detail ?? null);
  } else {
    console.error(error);
  }
  const message = MESSAGES[status] ?? {
    title: 'Something went wrong on our side',
    advice: 'Your last change may not have been saved. Try again in a moment; if it keeps happening, tell the Stocktake administrator.',
  };
  return (
    <div className="panel error-panel" role="alert">
      <h1>{message.title}</h1>
      {detail ? <p>{detail}</p> : null}
      <p>{message.advice}</p>
      <p>
        <Link to="/">Go to your start page</Link>
      </p>
      <p className="muted">Error {status}</p>
    </div>
  );
}
