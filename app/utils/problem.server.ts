/** RFC 9457 problem details: every API error and every refused request says what is wrong. */
export type ProblemError = { path: string; message: string };

export const PROBLEM_TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Not signed in',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflict',
  413: 'Request body too large',
  415: 'Unsupported media type',
  422: 'Invalid answers',
  429: 'Too many requests',
  405: 'Method not allowed',
};

export function problem(status: number, detail: string, extra: { errors?: ProblemError[]; title?: string; [key: string]: unknown } = {}): Response {
  const { title, ...rest } = extra;
  return new Response(
    JSON.stringify({
      type: `https://stocktake.invalid/problems/${status}`,
      title: title ?? PROBLEM_TITLES[status] ?? 'Error',
      status,
      detail,
      ...rest,
    }),
    { status, headers: { 'Content-Type': 'application/problem+json; charset=utf-8' } },
  );
}
