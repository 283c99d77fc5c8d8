import { createContext, useContext } from 'react';

/**
 * The CSP nonce of the page being rendered, from app/entry.server.tsx to root.tsx's <Scripts> and
 * <ScrollRestoration> (the Epic Stack's NonceProvider). In the browser it is '': browsers hide a nonce attribute
 * from scripts, so hydration sees '' on both sides.
 */
const NonceContext = createContext('');

export const NonceProvider = NonceContext.Provider;

export function useNonce(): string {
  return useContext(NonceContext);
}
