// Orchestra's documentation site. The pages are Markdown under src/content/docs/; the
// reference pages (HTTP API, events, CRD, settings, template fields, chart values) are
// written there by `orchestra-docs generate` from the code before every build
// (scripts/docs.sh), and never edited by hand.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'astro/config';
import starlight from '@astrojs/starlight';
import starlightLinksValidator from 'starlight-links-validator';
import starlightOpenAPI, { openAPISidebarGroups } from 'starlight-openapi';
import { remarkRelativeLinks } from './plugins/relative-links.mjs';

const contentDir = fileURLToPath(new URL('./src/content/docs/', import.meta.url));

export default defineConfig({
  // Relative links between Markdown files (`../decisions/0050-….md`) work on a forge and
  // become site routes here; the links validator then checks them.
  markdown: { remarkPlugins: [[remarkRelativeLinks, { contentDir }]] },
  integrations: [
    starlight({
      title: 'Orchestra',
      description:
        'Time-limited, isolated workshop environments on Kubernetes: for learners, template authors, operators and developers.',
      plugins: [
        starlightOpenAPI([
          {
            base: 'reference/http-api',
            schema: './public/openapi.json',
            sidebar: { label: 'HTTP API', collapsed: true },
          },
        ]),
        starlightLinksValidator({
          // Pages the OpenAPI plugin adds are routes of its own, not content entries.
          exclude: ['/reference/http-api/', '/reference/http-api/**'],
        }),
      ],
      sidebar: [
        { label: 'Getting started', autogenerate: { directory: 'getting-started' } },
        { label: 'Learners and instructors', autogenerate: { directory: 'learners' } },
        { label: 'Template authors', autogenerate: { directory: 'authors' } },
        { label: 'Operators', autogenerate: { directory: 'operators' } },
        { label: 'Runbooks', autogenerate: { directory: 'runbooks' } },
        { label: 'Benchmarks', collapsed: true, autogenerate: { directory: 'benchmarks' } },
        { label: 'Reference', autogenerate: { directory: 'reference' } },
        ...openAPISidebarGroups,
        { label: 'Architecture', autogenerate: { directory: 'architecture' } },
        { label: 'Decision records', collapsed: true, autogenerate: { directory: 'decisions' } },
      ],
    }),
  ],
});
