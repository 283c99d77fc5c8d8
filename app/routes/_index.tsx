import { redirect, type LoaderFunctionArgs } from '@remix-run/node';
import { getCurrentUser, startPageFor } from '~/utils/session.server';

/** Sends each role to its own start page. */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await getCurrentUser(request);
  throw redirect(user ? startPageFor(user) : '/login');
}
