import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The API reference page: Swagger UI (the `swagger-ui-dist` package, served from this process, no
 * CDN) rendering `/api/openapi.json`. Everything it loads comes from this origin, so its CSP allows
 * scripts, styles and fetches from 'self' only (no inline script or style, no eval); its icons are
 * data: images. test/contract/docs-page.test.ts checks in Chromium that nothing is refused.
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Mercato API reference</title>
    <link rel="stylesheet" href="/docs/swagger-ui.css">
    <link rel="stylesheet" href="/docs/index.css">
    <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js"></script>
    <script src="/docs/docs.js"></script>
  </body>
</html>
`;

/** Starts Swagger UI; a file of its own, since the CSP runs no inline script. */
const INITIALIZER = `window.addEventListener('DOMContentLoaded', function () {
  window.ui = SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    deepLinking: true,
    docExpansion: 'list',
    defaultModelsExpandDepth: 0,
    displayOperationId: true,
    filter: true,
    queryConfigEnabled: false,
    validatorUrl: null,
  });
});
`;

const ASSETS: Record<string, { file?: string; text?: string; type: string }> = {
  'swagger-ui.css': { file: 'swagger-ui.css', type: 'text/css; charset=utf-8' },
  'index.css': { file: 'index.css', type: 'text/css; charset=utf-8' },
  'swagger-ui-bundle.js': { file: 'swagger-ui-bundle.js', type: 'text/javascript; charset=utf-8' },
  'favicon-32x32.png': { file: 'favicon-32x32.png', type: 'image/png' },
  'docs.js': { text: INITIALIZER, type: 'text/javascript; charset=utf-8' },
};

export const DOCS_ASSET_NAMES = Object.keys(ASSETS);

export interface DocsAsset {
  body: Buffer;
  type: string;
}

/** The page and its assets, read from the installed package once, on first use. */
export class DocsPage {
  private readonly cache = new Map<string, DocsAsset>();
  private directory: string | undefined;

  html(): string {
    return PAGE;
  }

  /** The asset with this name, or undefined for any other name (no path is ever built from it). */
  asset(name: string): DocsAsset | undefined {
    const spec = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!spec) return undefined;
    let asset = this.cache.get(name);
    if (!asset) {
      asset = { body: spec.text !== undefined ? Buffer.from(spec.text) : readFileSync(join(this.packageDirectory(), spec.file!)), type: spec.type };
      this.cache.set(name, asset);
    }
    return asset;
  }

  private packageDirectory(): string {
    this.directory ??= dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
    return this.directory;
  }
}
