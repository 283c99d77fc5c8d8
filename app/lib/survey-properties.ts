import { Serializer } from 'survey-core';

/**
 * Custom SurveyJS properties Stocktake adds to questionnaires. Registered on the server (checks, validation,
 * publishing) and in the browser (rendering) from this one module, so a questionnaire file reads the same in both.
 */
export function registerSurveyProperties(): void {
  if (!Serializer.findProperty('question', 'topic')) {
    // The topic (an id from surveys/topics.json) that a question's answers are aggregated under.
    Serializer.addProperty('question', { name: 'topic', category: 'general', visible: false });
  }
}

registerSurveyProperties();
