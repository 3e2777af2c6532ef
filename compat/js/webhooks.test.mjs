// Clerk's official webhook verification (@clerk/backend/webhooks
// verifyWebhook, unmodified) on the deliveries of `clerk serve
// --webhook-url`: an application's handler, written the way Clerk's guide
// writes it, receives the events of users created, updated and deleted
// through @clerk/backend, verified with the signing secret.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';

import { createClerkClient } from '@clerk/backend';
import { verifyWebhook } from '@clerk/backend/webhooks';

import { emulator } from './emulator.mjs';

const SIGNING_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

let env;
let app;
const events = []; // verified, in the order received
const failures = []; // verification errors

// The application's webhook route: a Fetch API Request, as in Next.js.
async function route(request) {
  try {
    const evt = await verifyWebhook(request, { signingSecret: SIGNING_SECRET });
    events.push(evt);
    return new Response('ok', { status: 200 });
  } catch (err) {
    failures.push(String(err));
    return new Response('Webhook verification failed', { status: 400 });
  }
}

before(async () => {
  app = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const request = new Request(`http://${req.headers.host}${req.url}`, {
      method: req.method,
      headers: req.headers,
      body: Buffer.concat(chunks),
    });
    const response = await route(request);
    res.writeHead(response.status);
    res.end(await response.text());
  });
  await new Promise((res) => app.listen(0, '127.0.0.1', res));
  const hookURL = `http://127.0.0.1:${app.address().port}/api/webhooks`;
  env = await emulator({ own: true, args: ['--webhook-url', hookURL, '--webhook-secret', SIGNING_SECRET] });
});

after(async () => {
  await env?.stop();
  app?.close();
});

async function waitFor(n) {
  const deadline = Date.now() + 15_000;
  while (events.length < n && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('verifyWebhook accepts what clerk serve delivers: user.created, user.updated, user.deleted', async () => {
  const clerk = createClerkClient({ secretKey: env.secretKey, apiUrl: env.apiUrl });
  const user = await clerk.users.createUser({ emailAddress: ['hooks@example.com'], firstName: 'Ada' });
  await clerk.users.updateUser(user.id, { firstName: 'Augusta' });
  await clerk.users.deleteUser(user.id);
  await waitFor(3);

  assert.deepEqual(failures, []);
  assert.deepEqual(events.map((e) => e.type), ['user.created', 'user.updated', 'user.deleted']);
  const [created, updated, deleted] = events;
  assert.equal(created.object, 'event');
  assert.equal(created.data.id, user.id);
  assert.equal(created.data.first_name, 'Ada');
  assert.equal(created.data.email_addresses[0].email_address, 'hooks@example.com');
  assert.equal(updated.data.first_name, 'Augusta');
  assert.deepEqual(deleted.data, { deleted: true, id: user.id, object: 'user' });
  assert.ok(created.timestamp > 0 && created.instance_id.startsWith('ins_'));
});
