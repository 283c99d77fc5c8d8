import { useMemo } from 'react';
import { Model } from 'survey-core';
import { Survey } from 'survey-react-ui';
import '~/lib/survey-properties';

// Import this component only from routes that show a questionnaire: survey-core and survey-react-ui are ~1.6 MB.
// Those routes also link 'survey-core/survey-core.fontless.min.css?url'.

const THEME = {
  themeName: 'stocktake',
  colorPalette: 'light',
  isPanelless: false,
  cssVariables: {
    '--sjs-general-backcolor-dim': '#f3f2f1',
    '--sjs-primary-backcolor': '#1d3f6e',
    '--sjs-primary-backcolor-dark': '#15304f',
    '--sjs-primary-forecolor': '#ffffff',
    '--sjs-general-forecolor': '#0b0c0c',
    '--sjs-general-forecolor-light': '#4a4f54',
    '--sjs-border-default': '#6f777b',
    '--sjs-font-family': "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
    '--sjs-corner-radius': '4px',
  },
};

/** A response shown read-only in its own questionnaire version: every page at once, in SurveyJS display mode. */
export function SurveyView({ definition, data }: { definition: Record<string, unknown>; data: Record<string, unknown> }) {
  const model = useMemo(() => {
    const survey = new Model(definition);
    survey.applyTheme(THEME as never);
    // Data first, then single-page, then display mode: in the browser, text inputs render empty in the other orders.
    survey.data = data;
    survey.questionsOnPageMode = 'singlePage';
    survey.mode = 'display';
    survey.showProgressBar = false;
    return survey;
  }, [definition, data]);
  return (
    <div className="survey-view">
      <Survey model={model} />
    </div>
  );
}
