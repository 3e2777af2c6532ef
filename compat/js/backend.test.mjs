// Clerk's official JavaScript Backend SDK (@clerk/backend) against the
// local Backend API. Run through ../run.sh, or alone with `npm test` (which
// builds and starts `clerk serve` itself when CLERK_API_URL is not set).
// The instance must start with no users: the list and count checks expect
// exactly the users these tests create.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';

import { createClerkClient, verifyToken } from '@clerk/backend';

import { API_VERSION, emulator } from './emulator.mjs';

const ISSUER = 'https://clerk.emulator.localhost';

let env; // { apiUrl, secretKey, publishableKey, stop }
let clerk; // the SDK client

before(async () => {
  env = await emulator();
  clerk = createClerkClient({ secretKey: env.secretKey, apiUrl: env.apiUrl, publishableKey: env.publishableKey });
});

after(async () => {
  await env?.stop();
});

// sdk runs an SDK call and, when it fails, rethrows with the HTTP status
// and errors the emulator answered, so that a failure names the gap.
async function sdk(what, fn) {
  try {
    return await fn();
  } catch (e) {
    if (e && typeof e.status === 'number' && Array.isArray(e.errors)) {
      throw new Error(`${what}: HTTP ${e.status}: ${JSON.stringify(e.errors)} (trace ${e.clerkTraceId})`, { cause: e });
    }
    throw new Error(`${what}: ${e?.stack ?? e}`, { cause: e });
  }
}

// bapi calls the Backend API directly with fetch, as Clerk's testing recipe
// does, and returns the parsed answer (or throws with status and body).
async function bapi(method, path, body, secretKey = env.secretKey) {
  const res = await fetch(`${env.apiUrl}/v1${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${secretKey}`,
      'Clerk-API-Version': API_VERSION,
      'Content-Type': 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) {
    const err = new Error(`${method} /v1${path}: HTTP ${res.status}: ${text}`);
    err.status = res.status;
    throw err;
  }
  return text ? JSON.parse(text) : null;
}

// mintToken starts a session for the user and returns { session, jwt },
// through POST /v1/sessions and POST /v1/sessions/{id}/tokens.
async function mintToken(userId) {
  const session = await bapi('POST', '/sessions', { user_id: userId });
  const token = await bapi('POST', `/sessions/${session.id}/tokens`, {});
  assert.equal(token.object, 'token');
  return { session, jwt: token.jwt };
}

// jwtKeyFromJWKS derives the PEM public key (what Clerk's dashboard shows
// as the JWT public key) from the emulator's JWKS.
async function jwtKeyFromJWKS(kid) {
  const { keys } = await bapi('GET', '/jwks');
  const jwk = keys.find((k) => k.kid === kid);
  assert.ok(jwk, `no key ${kid} in /v1/jwks`);
  return createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
}

function kidOf(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString()).kid;
}

function tamper(jwt) {
  const [h, p, s] = jwt.split('.');
  const c = p[10] === 'A' ? 'B' : 'A';
  return [h, p.slice(0, 10) + c + p.slice(11), s].join('.');
}

describe('users', () => {
  let ada;
  let grace;

  before(async () => {
    ada = await sdk('users.createUser', () =>
      clerk.users.createUser({
        emailAddress: ['Ada@Example.com'],
        firstName: 'Ada',
        lastName: 'Lovelace',
        username: 'ada_l',
        externalId: 'ext-ada',
        publicMetadata: { plan: 'pro' },
      }),
    );
    grace = await sdk('users.createUser', () => clerk.users.createUser({ emailAddress: ['grace@example.com'] }));
  });

  test('users.createUser', () => {
    assert.match(ada.id, /^user_/);
    assert.equal(ada.firstName, 'Ada');
    assert.equal(ada.lastName, 'Lovelace');
    assert.equal(ada.username, 'ada_l');
    assert.equal(ada.externalId, 'ext-ada');
    assert.equal(ada.emailAddresses.length, 1);
    assert.equal(ada.emailAddresses[0].emailAddress, 'ada@example.com');
    assert.equal(ada.primaryEmailAddressId, ada.emailAddresses[0].id);
    assert.equal(ada.primaryEmailAddress?.emailAddress, 'ada@example.com');
    assert.equal(ada.emailAddresses[0].verification?.status, 'verified');
    assert.deepEqual(ada.publicMetadata, { plan: 'pro' });
    assert.equal(ada.passwordEnabled, false);
    assert.ok(ada.createdAt > 0);
  });

  test('users.getUser', async () => {
    const got = await sdk('users.getUser', () => clerk.users.getUser(ada.id));
    assert.equal(got.id, ada.id);
    assert.equal(got.username, 'ada_l');
    assert.equal(got.emailAddresses[0].emailAddress, 'ada@example.com');
  });

  test('users.getUser of an unknown user is a 404', async () => {
    await assert.rejects(clerk.users.getUser('user_doesnotexist'), (e) => {
      assert.equal(e.status, 404);
      assert.equal(e.errors?.[0]?.code, 'resource_not_found');
      return true;
    });
  });

  test('users.getUserList (GET /v1/users and /v1/users/count)', async () => {
    const all = await sdk('users.getUserList', () => clerk.users.getUserList());
    assert.equal(all.totalCount, 2);
    assert.deepEqual(
      all.data.map((u) => u.id),
      [grace.id, ada.id],
      'newest first',
    );

    const byEmail = await sdk('users.getUserList by email', () =>
      clerk.users.getUserList({ emailAddress: ['ada@example.com'] }),
    );
    assert.equal(byEmail.totalCount, 1);
    assert.deepEqual(
      byEmail.data.map((u) => u.id),
      [ada.id],
    );

    const page = await sdk('users.getUserList limit 1', () =>
      clerk.users.getUserList({ limit: 1, orderBy: '+created_at' }),
    );
    assert.equal(page.totalCount, 2);
    assert.deepEqual(
      page.data.map((u) => u.id),
      [ada.id],
      'oldest first',
    );
  });

  test('users.getCount', async () => {
    assert.equal(await sdk('users.getCount', () => clerk.users.getCount()), 2);
    assert.equal(await sdk('users.getCount query', () => clerk.users.getCount({ query: 'grace' })), 1);
  });

  test('users.updateUser', async () => {
    const got = await sdk('users.updateUser', () => clerk.users.updateUser(ada.id, { firstName: 'Augusta' }));
    assert.equal(got.firstName, 'Augusta');
    assert.equal(got.lastName, 'Lovelace');
  });

  test('users.updateUserMetadata', async () => {
    const got = await sdk('users.updateUserMetadata', () =>
      clerk.users.updateUserMetadata(ada.id, { privateMetadata: { stripe: 'cus_1' } }),
    );
    assert.deepEqual(got.privateMetadata, { stripe: 'cus_1' });
    assert.deepEqual(got.publicMetadata, { plan: 'pro' });
  });

  test('users.banUser and users.unbanUser', async () => {
    assert.equal((await sdk('users.banUser', () => clerk.users.banUser(grace.id))).banned, true);
    assert.equal((await sdk('users.unbanUser', () => clerk.users.unbanUser(grace.id))).banned, false);
  });

  test('users.deleteUser', async () => {
    const d = await sdk('users.deleteUser', () => clerk.users.deleteUser(grace.id));
    assert.equal(d.id, grace.id);
    await assert.rejects(clerk.users.getUser(grace.id), (e) => e.status === 404);
  });
});

describe('session tokens', () => {
  let user;
  let minted; // { session, jwt } from the direct fetches

  before(async () => {
    user = await sdk('users.createUser', () => clerk.users.createUser({ emailAddress: ['tokens@example.com'] }));
    minted = await mintToken(user.id);
  });

  test('verifyToken with secretKey and apiUrl (fetches /v1/jwks)', async () => {
    const payload = await verifyToken(minted.jwt, {
      secretKey: env.secretKey,
      apiUrl: env.apiUrl,
      skipJwksCache: true,
    });
    assert.equal(payload.sub, user.id);
    assert.equal(payload.sid, minted.session.id);
    assert.equal(payload.iss, ISSUER);
  });

  test('verifyToken with jwtKey (networkless)', async () => {
    const jwtKey = await jwtKeyFromJWKS(kidOf(minted.jwt));
    const payload = await verifyToken(minted.jwt, { jwtKey });
    assert.equal(payload.sub, user.id);
    assert.equal(payload.sid, minted.session.id);
  });

  test('verifyToken rejects a tampered token', async () => {
    const jwtKey = await jwtKeyFromJWKS(kidOf(minted.jwt));
    await assert.rejects(verifyToken(tamper(minted.jwt), { jwtKey }));
    await assert.rejects(
      verifyToken(tamper(minted.jwt), { secretKey: env.secretKey, apiUrl: env.apiUrl, skipJwksCache: true }),
    );
  });

  test('verifyToken with a wrong secret key cannot fetch the JWKS', async () => {
    await assert.rejects(
      verifyToken(minted.jwt, { secretKey: 'sk_test_wrong', apiUrl: env.apiUrl, skipJwksCache: true }),
      (e) => {
        assert.equal(e.reason, 'jwk-remote-failed-to-load');
        assert.match(e.message, /code=401/);
        return true;
      },
    );
  });

  test('sessions.createSession and sessions.getToken', async () => {
    const session = await sdk('sessions.createSession', () => clerk.sessions.createSession({ userId: user.id }));
    assert.match(session.id, /^sess_/);
    assert.equal(session.userId, user.id);
    assert.equal(session.status, 'active');

    const token = await sdk('sessions.getToken', () => clerk.sessions.getToken(session.id));
    assert.ok(token.jwt, 'sessions.getToken returned no jwt');
    const payload = await verifyToken(token.jwt, { secretKey: env.secretKey, apiUrl: env.apiUrl });
    assert.equal(payload.sub, user.id);
    assert.equal(payload.sid, session.id);

    const long = await sdk('sessions.getToken expiresInSeconds', () =>
      clerk.sessions.getToken(session.id, undefined, 600),
    );
    const claims = JSON.parse(Buffer.from(long.jwt.split('.')[1], 'base64url').toString());
    assert.equal(claims.exp - claims.iat, 600);
  });

  test('sessions.getSession, getSessionList, revokeSession', async () => {
    const got = await sdk('sessions.getSession', () => clerk.sessions.getSession(minted.session.id));
    assert.equal(got.id, minted.session.id);
    assert.equal(got.userId, user.id);

    const list = await sdk('sessions.getSessionList', () => clerk.sessions.getSessionList({ userId: user.id }));
    assert.ok(list.totalCount >= 1);
    assert.ok(list.data.some((s) => s.id === minted.session.id));

    const revoked = await sdk('sessions.revokeSession', () => clerk.sessions.revokeSession(minted.session.id));
    assert.equal(revoked.status, 'revoked');
    await assert.rejects(bapi('POST', `/sessions/${minted.session.id}/tokens`, {}));
  });

  test('authenticateRequest with a Bearer session token', async () => {
    const { jwt } = await mintToken(user.id);
    const request = new Request('http://localhost:3000/api/me', { headers: { Authorization: `Bearer ${jwt}` } });
    const state = await sdk('authenticateRequest', () => clerk.authenticateRequest(request));
    assert.equal(state.status, 'signed-in', `reason: ${state.reason} ${state.message}`);
    assert.equal(state.isAuthenticated, true);
    assert.equal(state.toAuth().userId, user.id);
  });
});

describe('organizations', () => {
  let ada;
  let bob;
  let org;

  before(async () => {
    ada = await sdk('users.createUser', () => clerk.users.createUser({ emailAddress: ['org-ada@example.com'], firstName: 'Ada' }));
    bob = await sdk('users.createUser', () => clerk.users.createUser({ emailAddress: ['org-bob@example.com'], firstName: 'Bob' }));
  });

  test('organizations.createOrganization, getOrganization, updateOrganization', async () => {
    org = await sdk('organizations.createOrganization', () =>
      clerk.organizations.createOrganization({ name: 'Acme Rockets', createdBy: ada.id, maxAllowedMemberships: 5, publicMetadata: { tier: 'gold' } }),
    );
    assert.match(org.id, /^org_/);
    assert.equal(org.slug, 'acme-rockets');
    assert.deepEqual(org.publicMetadata, { tier: 'gold' });
    const bySlug = await sdk('organizations.getOrganization by slug', () =>
      clerk.organizations.getOrganization({ slug: 'acme-rockets', includeMembersCount: true }),
    );
    assert.equal(bySlug.id, org.id);
    assert.equal(bySlug.membersCount, 1);
    const updated = await sdk('organizations.updateOrganization', () => clerk.organizations.updateOrganization(org.id, { name: 'Acme' }));
    assert.equal(updated.name, 'Acme');
    const list = await sdk('organizations.getOrganizationList', () => clerk.organizations.getOrganizationList({ query: 'acme' }));
    assert.equal(list.totalCount, 1);
  });

  test('memberships: create, list, update the role', async () => {
    const m = await sdk('organizations.createOrganizationMembership', () =>
      clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: bob.id, role: 'org:member' }),
    );
    assert.equal(m.role, 'org:member');
    assert.equal(m.publicUserData.userId, bob.id);
    assert.equal(m.organization.id, org.id);
    const list = await sdk('organizations.getOrganizationMembershipList', () =>
      clerk.organizations.getOrganizationMembershipList({ organizationId: org.id }),
    );
    assert.equal(list.totalCount, 2);
    const updated = await sdk('organizations.updateOrganizationMembership', () =>
      clerk.organizations.updateOrganizationMembership({ organizationId: org.id, userId: bob.id, role: 'org:admin' }),
    );
    assert.equal(updated.role, 'org:admin');
    const mine = await sdk('users.getOrganizationMembershipList', () => clerk.users.getOrganizationMembershipList({ userId: bob.id }));
    assert.equal(mine.totalCount, 1);
    assert.equal(mine.data[0].organization.id, org.id);
  });

  test('organization invitations: create and revoke', async () => {
    const inv = await sdk('organizations.createOrganizationInvitation', () =>
      clerk.organizations.createOrganizationInvitation({ organizationId: org.id, emailAddress: 'org-cy@example.com', role: 'org:member', inviterUserId: ada.id }),
    );
    assert.equal(inv.status, 'pending');
    assert.equal(inv.emailAddress, 'org-cy@example.com');
    const pending = await sdk('organizations.getOrganizationInvitationList', () =>
      clerk.organizations.getOrganizationInvitationList({ organizationId: org.id, status: ['pending'] }),
    );
    assert.equal(pending.totalCount, 1);
    const revoked = await sdk('organizations.revokeOrganizationInvitation', () =>
      clerk.organizations.revokeOrganizationInvitation({ organizationId: org.id, invitationId: inv.id, requestingUserId: ada.id }),
    );
    assert.equal(revoked.status, 'revoked');
  });

  test('invitations: create and revoke', async () => {
    const inv = await sdk('invitations.createInvitation', () =>
      clerk.invitations.createInvitation({ emailAddress: 'invited@example.com', redirectUrl: 'https://app.example.com/accept' }),
    );
    assert.equal(inv.status, 'pending');
    assert.match(inv.url, /__clerk_ticket=/);
    const revoked = await sdk('invitations.revokeInvitation', () => clerk.invitations.revokeInvitation(inv.id));
    assert.equal(revoked.status, 'revoked');
  });

  test('a session token with the active organization reads back its role and permissions', async () => {
    const session = await bapi('POST', '/sessions', { user_id: bob.id, active_organization_id: org.id });
    const { jwt } = await bapi('POST', `/sessions/${session.id}/tokens`, {});
    const request = new Request('http://localhost:3000/api/me', { headers: { Authorization: `Bearer ${jwt}` } });
    const state = await sdk('authenticateRequest', () => clerk.authenticateRequest(request));
    assert.equal(state.status, 'signed-in', `reason: ${state.reason} ${state.message}`);
    const auth = state.toAuth();
    assert.equal(auth.orgId, org.id);
    assert.equal(auth.orgSlug, 'acme-rockets');
    assert.equal(auth.orgRole, 'org:admin');
    assert.ok(auth.orgPermissions.includes('org:sys_memberships:manage'), JSON.stringify(auth.orgPermissions));
    assert.ok(auth.has({ permission: 'org:sys_memberships:manage' }));
  });

  test('organizations.deleteOrganization takes its memberships', async () => {
    await sdk('organizations.deleteOrganization', () => clerk.organizations.deleteOrganization(org.id));
    const mine = await sdk('users.getOrganizationMembershipList', () => clerk.users.getOrganizationMembershipList({ userId: bob.id }));
    assert.equal(mine.totalCount, 0);
  });
});

describe('instance: restrictions, lists, redirect URLs, domains, OAuth applications, SAML', () => {
  test('allowlist and blocklist identifiers, with the blocklist taking effect', async () => {
    const allowed = await sdk('allowlistIdentifiers.createAllowlistIdentifier', () =>
      clerk.allowlistIdentifiers.createAllowlistIdentifier({ identifier: '*@allowed.example', notify: false }),
    );
    assert.equal(allowed.identifier, '*@allowed.example');
    const allowList = await sdk('allowlistIdentifiers.getAllowlistIdentifierList', () => clerk.allowlistIdentifiers.getAllowlistIdentifierList());
    assert.ok(allowList.data.some((i) => i.id === allowed.id));
    const blocked = await sdk('blocklistIdentifiers.createBlocklistIdentifier', () =>
      clerk.blocklistIdentifiers.createBlocklistIdentifier({ identifier: 'blocked@example.com' }),
    );
    const restrictions = await sdk('instance.updateRestrictions', () => clerk.instance.updateRestrictions({ blocklist: true }));
    assert.equal(restrictions.blocklist, true);
    await assert.rejects(clerk.users.createUser({ emailAddress: ['Blocked@Example.com'] }), (e) => e.status === 403);
    await sdk('blocklistIdentifiers.deleteBlocklistIdentifier', () => clerk.blocklistIdentifiers.deleteBlocklistIdentifier(blocked.id));
    await sdk('allowlistIdentifiers.deleteAllowlistIdentifier', () => clerk.allowlistIdentifiers.deleteAllowlistIdentifier(allowed.id));
    await sdk('instance.updateRestrictions off', () => clerk.instance.updateRestrictions({ blocklist: false }));
  });

  test('redirect URLs', async () => {
    const ru = await sdk('redirectUrls.createRedirectUrl', () => clerk.redirectUrls.createRedirectUrl({ url: 'https://app.example.com/cb' }));
    assert.equal(ru.url, 'https://app.example.com/cb');
    const got = await sdk('redirectUrls.getRedirectUrl', () => clerk.redirectUrls.getRedirectUrl(ru.id));
    assert.equal(got.id, ru.id);
    const list = await sdk('redirectUrls.getRedirectUrlList', () => clerk.redirectUrls.getRedirectUrlList());
    assert.ok(list.data.some((r) => r.id === ru.id));
    await sdk('redirectUrls.deleteRedirectUrl', () => clerk.redirectUrls.deleteRedirectUrl(ru.id));
  });

  test('domains', async () => {
    const d = await sdk('domains.add', () => clerk.domains.add({ name: 'sat.example.com', is_satellite: true }));
    assert.equal(d.name, 'sat.example.com');
    const list = await sdk('domains.list', () => clerk.domains.list());
    assert.ok(list.data.some((x) => x.id === d.id));
    await sdk('domains.deleteDomain', () => clerk.domains.deleteDomain(d.id));
  });

  test('OAuth applications: the secret only on create and rotate', async () => {
    const app = await sdk('oauthApplications.create', () =>
      clerk.oauthApplications.create({ name: 'Partner', redirectUris: ['https://partner.example.com/cb'], scopes: 'profile email' }),
    );
    assert.ok(app.clientSecret);
    const got = await sdk('oauthApplications.get', () => clerk.oauthApplications.get(app.id));
    assert.equal(got.name, 'Partner');
    assert.ok(!got.clientSecret);
    const list = await sdk('oauthApplications.list', () => clerk.oauthApplications.list());
    assert.ok(list.data.some((a) => a.id === app.id));
    const rotated = await sdk('oauthApplications.rotateSecret', () => clerk.oauthApplications.rotateSecret(app.id));
    assert.ok(rotated.clientSecret && rotated.clientSecret !== app.clientSecret);
    await sdk('oauthApplications.delete', () => clerk.oauthApplications.delete(app.id));
  });

  test('SAML connections', async () => {
    const sc = await sdk('samlConnections.createSamlConnection', () =>
      clerk.samlConnections.createSamlConnection({ name: 'Okta', provider: 'saml_okta', domain: 'corp.example.com' }),
    );
    assert.equal(sc.domain, 'corp.example.com');
    const got = await sdk('samlConnections.getSamlConnection', () => clerk.samlConnections.getSamlConnection(sc.id));
    assert.equal(got.name, 'Okta');
    const list = await sdk('samlConnections.getSamlConnectionList', () => clerk.samlConnections.getSamlConnectionList());
    assert.ok(list.data.some((x) => x.id === sc.id));
    await sdk('samlConnections.deleteSamlConnection', () => clerk.samlConnections.deleteSamlConnection(sc.id));
  });
});
