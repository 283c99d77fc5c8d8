import { redirect, type ActionFunctionArgs } from '@remix-run/node';
import { getDb } from '../../db/index';
import { revokeSession } from '~/models/auth.server';
import { clearSessionCookie, sessionTokenFrom } from '~/utils/session.server';

export async function loader() {
  throw redirect('/');
}

/** Signing out revokes the session row, so the cookie is worthless even if it was copied. */
export async function action({ request }: ActionFunctionArgs) {
  const token = await sessionTokenFrom(request);
  if (token) await revokeSession(getDb(), token);
  return redirect('/login', { headers: { 'Set-Cookie': await clearSessionCookie(request) } });
}
