/**
 * The app's look for SurveyJS, applied to every questionnaire shown (the manager's page and the read-only view of a
 * response), so a change of colour or font is made here once. Plain data: importing it does not load survey-core.
 */
export const SURVEY_THEME = {
  themeName: 'stocktake',
  colorPalette: 'light',
  isPanelless: false,
  cssVariables: {
    '--sjs-general-backcolor-dim': '#f3f2f1',
    '--sjs-primary-backcolor': '#1d3f6e',
    '--sjs-primary-backcolor-dark': '#15304f',
    '--sjs-primary-backcolor-light': 'rgba(29, 63, 110, 0.1)',
    '--sjs-primary-forecolor': '#ffffff',
    '--sjs-general-forecolor': '#0b0c0c',
    '--sjs-general-forecolor-light': '#4a4f54',
    '--sjs-border-default': '#6f777b',
    '--sjs-special-red': '#a4161a',
    '--sjs-font-family': "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
    '--sjs-corner-radius': '4px',
  },
};
