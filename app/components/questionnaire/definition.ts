import { useCallback, useEffect, useState } from 'react';
import type { QuestionnaireDefinition } from '~/models/questionnaire-page.server';

// The questionnaire's definition is not in the page: the browser fetches it from a URL whose content never changes
// (the route answers with a year's private, immutable caching), so it comes over the network once per version. Kept
// here too, so that going back to the page in the same visit does not even ask the cache.
const fetched = new Map<string, Promise<QuestionnaireDefinition>>();

function fetchDefinition(url: string): Promise<QuestionnaireDefinition> {
  let pending = fetched.get(url);
  if (!pending) {
    pending = fetch(url, { credentials: 'same-origin' }).then(async (response) => {
      // A session that ended answers with the sign-in page, not JSON.
      if (!response.ok || !response.headers.get('Content-Type')?.includes('application/json')) {
        throw new Error(response.ok ? 'You may have been signed out: reload the page.' : `The server answered ${response.status}.`);
      }
      return (await response.json()) as QuestionnaireDefinition;
    });
    pending.catch(() => fetched.delete(url));
    fetched.set(url, pending);
  }
  return pending;
}

export type DefinitionState =
  | { kind: 'loading' }
  | { kind: 'loaded'; definition: Record<string, unknown>; titles: Record<string, string> }
  | { kind: 'failed'; message: string; retry: () => void };

/** The questionnaire's definition and titles, fetched after the page has hydrated (loading until then, also on the server). */
export function useQuestionnaireDefinition(url: string): DefinitionState {
  const [result, setResult] = useState<{ url: string; loaded?: QuestionnaireDefinition; error?: string } | null>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let live = true;
    fetchDefinition(url).then(
      (loaded) => live && setResult({ url, loaded }),
      (error: Error) => live && setResult({ url, error: error.message }),
    );
    return () => {
      live = false;
    };
  }, [url, attempt]);
  const retry = useCallback(() => {
    setResult(null);
    setAttempt((n) => n + 1);
  }, []);
  if (!result || result.url !== url) return { kind: 'loading' };
  if (result.loaded) return { kind: 'loaded', ...result.loaded };
  return { kind: 'failed', message: result.error ?? 'The questionnaire could not be loaded.', retry };
}
