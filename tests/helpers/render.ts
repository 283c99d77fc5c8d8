import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { createStaticHandler, createStaticRouter, StaticRouterProvider } from 'react-router-dom/server';

/** Renders a route's component on the server with the data its loader returned, as Remix would; fails on a render error. */
export async function renderRoute(Component: () => JSX.Element, url: string, data: unknown): Promise<string> {
  const handler = createStaticHandler([{ id: 'page', path: '*', Component, loader: () => data as Record<string, unknown> }]);
  const context = await handler.query(new Request(new URL(url, 'http://localhost')));
  if (context instanceof Response) throw new Error(`the page answered ${context.status}`);
  const router = createStaticRouter(handler.dataRoutes, context);
  const html = renderToStaticMarkup(createElement(StaticRouterProvider, { router, context, hydrate: false }));
  // React Router shows a component that throws as its default error page.
  if (html.includes('Unexpected Application Error')) throw new Error(`${url} failed to render: ${html.replace(/<[^>]+>/g, ' ').slice(0, 500)}`);
  return html;
}
