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
  if (!Serializer.findProperty('question', 'role')) {
    // The part a question plays in the special figures (app/models/question-roles.ts), e.g. "staffing-vacant".
    Serializer.addProperty('question', { name: 'role', category: 'general', visible: false });
  }
  if (!Serializer.findProperty('question', 'meets')) {
    // A standard of a case-file audit: the answers that mean the case meets it, e.g. ["yes"] (docs/case-audits.md).
    Serializer.addProperty('question', { name: 'meets', category: 'general', visible: false });
  }
  if (!Serializer.findProperty('question', 'notApplicable')) {
    // The answers that take a case out of a standard's count, e.g. ["na"].
    Serializer.addProperty('question', { name: 'notApplicable', category: 'general', visible: false });
  }
}

registerSurveyProperties();
