import { useEffect } from 'react';
import { settings } from 'survey-core';

// SurveyJS animates what an answer makes appear (the text box of a chosen "Other", a comment area): it shows it a
// moment later, in a microtask. The server's render never waits for that, so its HTML lacks them, while the browser,
// hydrating in slices, runs the microtask midway and renders them: React finds the two differ (error 418) and renders
// the whole page again. So SurveyJS does not animate on the server, nor in the browser until the page has hydrated.
settings.animationEnabled = false;

/** Lets SurveyJS animate once the page has hydrated: call it in the component that renders a survey. */
export function useSurveyAnimationsAfterHydration(): void {
  useEffect(() => {
    settings.animationEnabled = true;
  }, []);
}
