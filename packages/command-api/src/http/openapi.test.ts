import { readFileSync } from 'node:fs';
import heraldOpenApi from '@herald/contracts/openapi.json' with { type: 'json' };
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { v7 as uuidv7 } from 'uuid';
import { call } from '@herald/kit/testing';
import type { Harness } from '../testing/harness.js';
import { registeredUser, startHarness } from '../testing/harness.js';
import { createRouter } from './app.js';
import type { Services } from './services.js';

let h: Harness;
/** Served beside the router: operations endpoints (kit's ops) and the web page (@herald/web). */
const opsRoutes = ['GET /healthz', 'GET /readyz', 'GET /metrics'];
const webRoutes = ['GET /', 'GET /web/config.json', 'GET /web/{file}'];
/** Values for path parameters when probing: any UUID, except a real file of the web page. */
const probeValue = (name: string) => (name === 'file' ? 'app.js' : uuidv7());
const methods = ['get', 'put', 'post', 'delete', 'patch'];

function documentedRoutes(doc: { paths: Record<string, object> }): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, item]) => Object.keys(item).filter((m) => methods.includes(m)).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
}

test.before(async () => {
  h = await startHarness('command_api_openapi');
});

test.after(async () => {
  await h.close();
});

test('every route the router serves is documented, and every documented route is served', () => {
  // Only the route table is read: no handler runs, so the services are never touched.
  const router = createRouter({} as Services);
  const served = router.stack
    .flatMap((layer) => layer.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${String(layer.path).replace(/:(\w+)/g, '{$1}')}`))
    .concat(opsRoutes, webRoutes)
    .sort();
  assert.equal(served, documentedRoutes(heraldOpenApi));
});

test('every documented route answers over HTTP (no 404 route_not_found, no 405)', async () => {
  const ann = await registeredUser(h.baseUrl);
  for (const route of documentedRoutes(heraldOpenApi)) {
    const [method = '', template = ''] = route.split(' ');
    const path = template.replace(/\{(\w+)\}/g, (_, name: string) => probeValue(name));
    const answer = await call(h.baseUrl, method, path, { token: ann.token, ...(method === 'GET' ? {} : { json: {} }) });
    assert.is.not(answer.body?.error, 'route_not_found', route);
    assert.is.not(answer.status, 405, route);
  }
});

/** The OTUS Highload Architect 1.2.0 document, kept in the repository (docs/reference/, from OtusTeam/highload). */
const otusDocument = JSON.parse(readFileSync(new URL('../../../../docs/reference/openapi-otus.json', import.meta.url), 'utf8')) as { paths: Record<string, object> };
const otusRoutes = documentedRoutes(otusDocument);
const dialogRoutes = otusRoutes.filter((route) => route.includes(' /dialog/'));

test('the OTUS contract is covered: each of its routes is in Herald\'s document', () => {
  assert.ok(otusRoutes.length >= 13, 'the OTUS document lists its routes');
  const documented = new Set(documentedRoutes(heraldOpenApi));
  for (const route of otusRoutes) assert.ok(documented.has(route), `${route} is not in Herald's document`);
});

test('the OTUS dialog routes answer 501 with a body that says Herald does not serve them', async () => {
  const ann = await registeredUser(h.baseUrl);
  assert.equal(dialogRoutes, ['GET /dialog/{user_id}/list', 'POST /dialog/{user_id}/send']);
  for (const route of dialogRoutes) {
    const [method = '', template = ''] = route.split(' ');
    const answer = await call(h.baseUrl, method, template.replace('{user_id}', uuidv7()), { token: ann.token, ...(method === 'POST' ? { json: { text: 'hi' } } : {}) });
    assert.is(answer.status, 501, route);
    assert.is(answer.body.error, 'dialogs_not_served', route);
    assert.match(answer.body.message, 'Herald does not serve dialogs', route);
  }
});

test('GET /openapi.json serves the document', async () => {
  const answer = await call(h.baseUrl, 'GET', '/openapi.json');
  assert.is(answer.status, 200);
  assert.equal(answer.body, heraldOpenApi);
});

test.run();
