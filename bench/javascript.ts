import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/**
 * The JavaScript the pages ship, read from the client build's Remix manifest (build/client/assets/manifest-*.js):
 * for a route, the chunks of its module and of its parents' and the entry's, each counted once, gzipped. A chunk is
 * SurveyJS when it holds survey-core's model, the framework when the entry imports it (React, React DOM, Remix), and
 * ours otherwise.
 */

type ManifestModule = { module: string; imports?: string[] };
type Manifest = { entry: ManifestModule; routes: Record<string, ManifestModule & { id: string; parentId?: string }> };

export type ShippedJavaScript = { survey: number; framework: number; ours: number };

export const JS_GOALS = { oursGzipBytes: 60 * 1024 };

function readManifest(clientDir: string): Manifest {
  const assets = path.join(clientDir, 'assets');
  const file = fs.readdirSync(assets).find((name) => /^manifest-[\w-]+\.js$/.test(name));
  if (!file) throw new Error(`No Remix manifest in ${assets}: build first (npm run build)`);
  const text = fs.readFileSync(path.join(assets, file), 'utf8');
  return JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)) as Manifest;
}

export function shippedJavaScript(clientDir = 'build/client') {
  const manifest = readManifest(clientDir);
  const framework = new Set(manifest.entry.imports ?? []);
  const chunkCache = new Map<string, { gzip: number; survey: boolean }>();
  const chunk = (url: string) => {
    let found = chunkCache.get(url);
    if (!found) {
      const raw = fs.readFileSync(path.join(clientDir, url));
      found = { gzip: zlib.gzipSync(raw, { level: 9 }).length, survey: raw.includes('SurveyModel') };
      chunkCache.set(url, found);
    }
    return found;
  };
  /** Every chunk a route's page loads: the entry's, then each route from the root down to this one. */
  const chunksOf = (routeId: string) => {
    const urls = new Set([manifest.entry.module, ...(manifest.entry.imports ?? [])]);
    let route: Manifest['routes'][string] | undefined = manifest.routes[routeId];
    while (route) {
      urls.add(route.module);
      for (const url of route.imports ?? []) urls.add(url);
      route = route.parentId ? manifest.routes[route.parentId] : undefined;
    }
    return urls;
  };
  const of = (routeId: string): ShippedJavaScript => {
    if (!manifest.routes[routeId]) throw new Error(`No route ${routeId} in the client build`);
    const total: ShippedJavaScript = { survey: 0, framework: 0, ours: 0 };
    for (const url of chunksOf(routeId)) {
      const { gzip, survey } = chunk(url);
      if (survey) total.survey += gzip;
      else if (framework.has(url)) total.framework += gzip;
      else total.ours += gzip;
    }
    return total;
  };
  const routes = Object.keys(manifest.routes);
  const withSurvey = routes.filter((id) => [...chunksOf(id)].some((url) => chunk(url).survey));
  const mostOurs = routes.map((id) => ({ id, ours: of(id).ours })).sort((a, b) => b.ours - a.ours)[0];
  return { of, withSurvey, mostOurs, routes: routes.length };
}
