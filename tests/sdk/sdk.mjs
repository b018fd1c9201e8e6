// The official Stytch and Clerk Node SDKs against `sessconform serve --tls` (run by
// tests/sdk_node.rs, which starts the server and sets the environment below).
//
// Environment: STYTCH_BASE_URL, STYTCH_PROJECT_ID, STYTCH_SECRET, STYTCH_B2B_PROJECT_ID,
// STYTCH_B2B_SECRET, CLERK_API_URL, CLERK_SECRET_KEY (the `sdk` block of the target file),
// NODE_EXTRA_CA_CERTS (the CA from --ca-out), SDK_VARS (the target file's vars, as JSON).
//
// The blocks between `<docs:NAME>` markers appear verbatim in docs/mock.md (tests/sdk_node.rs
// checks it), so the documentation shows code that ran.
import { calls, requests } from './guard.mjs';
import assert from 'node:assert/strict';
import https from 'node:https';
import net from 'node:net';
import { createClerkClient, verifyToken } from '@clerk/backend';
import stytch from 'stytch';

const vars = JSON.parse(process.env.SDK_VARS);
const sv = vars.stytch;
const bv = vars['stytch-b2b'];
const cv = vars.clerk;
let passed = 0;

async function step(name, body) {
  try {
    await body();
  } catch (e) {
    console.log(`not ok - ${name}`);
    console.error(e);
    process.exit(1);
  }
  passed += 1;
  console.log(`ok - ${name}`);
}

/** The StytchError (or ClerkAPIResponseError) a call rejects with. */
async function failure(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail('expected the call to fail');
}

// <docs:stytch-clients>
const client = new stytch.Client({
  project_id: process.env.STYTCH_PROJECT_ID,
  secret: process.env.STYTCH_SECRET,
  custom_base_url: process.env.STYTCH_BASE_URL, // https://127.0.0.1:4010 (no path)
});
const b2b = new stytch.B2BClient({
  project_id: process.env.STYTCH_B2B_PROJECT_ID,
  secret: process.env.STYTCH_B2B_SECRET,
  custom_base_url: process.env.STYTCH_BASE_URL,
});
// </docs:stytch-clients>

// <docs:clerk-client>
const clerk = createClerkClient({
  secretKey: process.env.CLERK_SECRET_KEY,
  apiUrl: process.env.CLERK_API_URL, // https://127.0.0.1:4010/clerk (the SDK appends /v1)
});
// </docs:clerk-client>

// <docs:mint>
// Test-only helpers of the mock (not Stytch APIs): a fresh session for a fixture user or member.
async function mint(path, projectId, secret, body) {
  const res = await fetch(`${process.env.STYTCH_BASE_URL}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${projectId}:${secret}`).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`mint failed: ${res.status} ${await res.text()}`);
  return res.json(); // {session_id | member_session_id, session_token, session_jwt, ...}
}
const mintSession = (body = {}) => // {user_id?, session_duration_minutes?}
  mint('/__sessconform/sessions', process.env.STYTCH_PROJECT_ID, process.env.STYTCH_SECRET, body);
const mintMemberSession = (body = {}) => // {organization_id?, member_id?, session_duration_minutes?}
  mint('/__sessconform/b2b/sessions', process.env.STYTCH_B2B_PROJECT_ID, process.env.STYTCH_B2B_SECRET, body);
// </docs:mint>

await step('the guard refuses every non-loopback connection', async () => {
  await assert.rejects(fetch('https://test.stytch.com/v1/sessions'), /guard: blocked/);
  assert.throws(() => https.get('https://api.clerk.com/v1/jwks'), /guard: blocked/);
  assert.throws(() => net.connect(443, 'api.stytch.com'), /guard: blocked/);
  assert.throws(() => new net.Socket().connect({ host: '93.184.216.34', port: 443 }), /guard: blocked/);
  assert.equal(requests.length, 0);
});

// ---------------------------------------------------------------- Stytch consumer

await step('stytch sessions.get lists the fixture user\'s active sessions', async () => {
  const res = await client.sessions.get({ user_id: sv.user_id });
  assert.equal(res.status_code, 200);
  assert.ok(res.sessions.length >= 1);
  for (const s of res.sessions) assert.equal(s.user_id, sv.user_id);
});

await step('stytch sessions.authenticate by token and by JWT', async () => {
  const byToken = await client.sessions.authenticate({ session_token: sv.session_token });
  assert.equal(byToken.session.user_id, sv.user_id);
  assert.equal(byToken.user.user_id, sv.user_id);
  const byJwt = await client.sessions.authenticate({ session_jwt: byToken.session_jwt });
  assert.equal(byJwt.session.session_id, byToken.session.session_id);
  const err = await failure(client.sessions.authenticate({ session_token: sv.unknown_session_token }));
  assert.equal(err.status_code, 404);
  assert.equal(err.error_type, 'session_not_found');
});

await step('stytch sessions.authenticateJwt verifies locally against the public JWKS', async () => {
  const { session_jwt, session_id } = await mintSession({ user_id: sv.other_user_id });
  const before = calls('/v1/sessions/authenticate');
  // <docs:stytch-local-jwt>
  const { session } = await client.sessions.authenticateJwt({ session_jwt });
  // </docs:stytch-local-jwt>
  assert.equal(session.session_id, session_id);
  assert.equal(session.user_id, sv.other_user_id);
  assert.equal(calls('/v1/sessions/authenticate'), before, 'no remote authenticate call');
  assert.ok(calls(`/v1/sessions/jwks/${sv.project_id}`) >= 1, 'the JWKS was fetched');
  const local = await client.sessions.authenticateJwtLocal({ session_jwt });
  assert.equal(local.session_id, session_id);
  assert.equal(calls('/v1/sessions/authenticate'), before);
});

await step('stytch sessions.getJWKS', async () => {
  const jwks = await client.sessions.getJWKS({ project_id: sv.project_id });
  assert.equal(jwks.keys[0].alg, 'RS256');
  assert.ok(jwks.keys[0].kid.startsWith('jwk-test-'));
});

await step('stytch sessions.revoke by session_id, session_token and session_jwt', async () => {
  for (const by of ['session_id', 'session_token', 'session_jwt']) {
    const minted = await mintSession({ user_id: sv.other_user_id });
    await client.sessions.revoke({ [by]: minted[by] });
    const err = await failure(client.sessions.authenticate({ session_token: minted.session_token }));
    assert.equal(err.error_type, 'session_not_found', by);
    const listed = await client.sessions.get({ user_id: sv.other_user_id });
    assert.ok(!listed.sessions.some((s) => s.session_id === minted.session_id), by);
  }
});

// ---------------------------------------------------------------- Stytch B2B

await step('stytch B2B sessions.get by ids and by slug', async () => {
  const byId = await b2b.sessions.get({ organization_id: bv.organization_id, member_id: bv.member_id });
  assert.ok(byId.member_sessions.length >= 1);
  const bySlug = await b2b.sessions.get({ organization_id: bv.organization_slug, member_id: bv.member_id });
  assert.deepEqual(
    bySlug.member_sessions.map((s) => s.member_session_id).sort(),
    byId.member_sessions.map((s) => s.member_session_id).sort(),
  );
});

await step('stytch B2B sessions.authenticate by token and by JWT', async () => {
  const byToken = await b2b.sessions.authenticate({ session_token: bv.session_token });
  assert.equal(byToken.member.member_id, bv.member_id);
  assert.equal(byToken.organization.organization_id, bv.organization_id);
  const byJwt = await b2b.sessions.authenticate({ session_jwt: byToken.session_jwt });
  assert.equal(byJwt.member_session.member_session_id, byToken.member_session.member_session_id);
});

await step('stytch B2B authenticateJwt with authorization_check decides locally, like the server', async () => {
  const { session_jwt, member_session_id } = await mintMemberSession({ member_id: bv.member_id });
  const check = (action) => ({ organization_id: bv.organization_id, resource_id: 'documents', action });
  const before = calls('/v1/b2b/sessions/authenticate');
  const { member_session } = await b2b.sessions.authenticateJwt({
    session_jwt,
    authorization_check: check('write'),
  });
  assert.equal(member_session.member_session_id, member_session_id);
  assert.equal(calls('/v1/b2b/sessions/authenticate'), before, 'no remote authenticate call');
  assert.ok(calls(`/v1/b2b/sessions/jwks/${bv.project_id}`) >= 1, 'the JWKS was fetched');
  assert.equal(calls('/v1/b2b/rbac/policy'), 1, 'the RBAC policy was fetched once');
  // The same check on the server grants it through the same role.
  const remote = await b2b.sessions.authenticate({ session_jwt, authorization_check: check('write') });
  assert.deepEqual(remote.verdict.granting_roles, ['editor']);
  // A denied action: refused locally and, on the fallback to the API, by the server too.
  const local = await failure(b2b.sessions.authenticateJwtLocal({ session_jwt, authorization_check: check('delete') }));
  assert.equal(local.code, 'invalid_permissions');
  const denied = await failure(b2b.sessions.authenticateJwt({ session_jwt, authorization_check: check('delete') }));
  assert.equal(denied.status_code, 403);
  assert.equal(denied.error_type, 'unauthorized_action');
  // Another organization: a tenancy error both ways.
  const tenancy = await failure(b2b.sessions.authenticateJwtLocal({
    session_jwt,
    authorization_check: { ...check('read'), organization_id: bv.other_organization_id },
  }));
  assert.equal(tenancy.code, 'tenancy_mismatch');
});

await step('stytch B2B sessions.getJWKS', async () => {
  const jwks = await b2b.sessions.getJWKS({ project_id: bv.project_id });
  assert.equal(jwks.keys[0].alg, 'RS256');
});

await step('stytch B2B sessions.exchange into another organization', async () => {
  const { session_token } = await mintMemberSession({ member_id: bv.other_member_id });
  const res = await b2b.sessions.exchange({ organization_id: bv.exchange_organization_id, session_token });
  assert.equal(res.member_authenticated, true);
  assert.equal(res.intermediate_session_token, '');
  assert.equal(res.organization.organization_id, bv.exchange_organization_id);
  const again = await b2b.sessions.authenticate({ session_token: res.session_token });
  assert.equal(again.member_session.organization_id, bv.exchange_organization_id);
});

await step('stytch B2B sessions.revoke by member_session_id, session_token, session_jwt and member_id', async () => {
  for (const by of ['member_session_id', 'session_token', 'session_jwt']) {
    const minted = await mintMemberSession({ member_id: bv.other_member_id });
    await b2b.sessions.revoke({ [by]: minted[by] });
    const err = await failure(b2b.sessions.authenticate({ session_token: minted.session_token }));
    assert.equal(err.error_type, 'session_not_found', by);
  }
  await mintMemberSession({ member_id: bv.other_member_id });
  await b2b.sessions.revoke({ member_id: bv.other_member_id });
  const left = await b2b.sessions.get({ organization_id: bv.organization_id, member_id: bv.other_member_id });
  assert.deepEqual(left.member_sessions, []);
});

// ---------------------------------------------------------------- Clerk

await step('clerk getSessionList, createSession, getSession', async () => {
  const list = await clerk.sessions.getSessionList({ userId: cv.user_id });
  assert.ok(list.totalCount >= list.data.length && list.data.length >= 1);
  for (const s of list.data) assert.equal(s.userId, cv.user_id);
  const created = await clerk.sessions.createSession({ userId: cv.other_user_id });
  assert.equal(created.status, 'active');
  const got = await clerk.sessions.getSession(created.id);
  assert.equal(got.id, created.id);
  assert.equal(got.userId, cv.other_user_id);
  const newest = await clerk.sessions.getSessionList({ userId: cv.other_user_id });
  assert.equal(newest.data[0].id, created.id, 'newest first');
});

await step('clerk getToken (plain, template, lifetime) and verifyToken via the JWKS', async () => {
  const { id } = await clerk.sessions.createSession({ userId: cv.other_user_id });
  // <docs:clerk-token>
  const { jwt } = await clerk.sessions.getToken(id);
  const claims = await verifyToken(jwt, {
    secretKey: process.env.CLERK_SECRET_KEY,
    apiUrl: process.env.CLERK_API_URL,
  });
  // </docs:clerk-token>
  assert.equal(claims.sid, id);
  assert.equal(claims.sub, cv.other_user_id);
  assert.ok(calls('/clerk/v1/jwks') >= 1, 'verifyToken fetched the JWKS');
  const templated = await clerk.sessions.getToken(id, cv.template_name);
  assert.equal(templated.jwt.split('.').length, 3);
  const short = await clerk.sessions.getToken(id, undefined, 60);
  const payload = JSON.parse(Buffer.from(short.jwt.split('.')[1], 'base64url').toString());
  assert.equal(payload.exp - payload.iat, 60);
});

await step('clerk revokeSession, then getSession and the token endpoint reflect it', async () => {
  const { id } = await clerk.sessions.createSession({ userId: cv.other_user_id });
  const revoked = await clerk.sessions.revokeSession(id);
  assert.equal(revoked.status, 'revoked');
  assert.equal((await clerk.sessions.getSession(id)).status, 'revoked');
  const err = await failure(clerk.sessions.getSession(cv.unknown_session_id));
  assert.equal(err.status, 404);
  assert.equal(err.errors[0].code, 'resource_not_found');
});

await step('429s reach the SDKs as documented errors (throttled credentials: 1 request / 60 s)', async () => {
  const throttled = new stytch.Client({
    project_id: sv.throttled_username,
    secret: sv.throttled_password,
    custom_base_url: process.env.STYTCH_BASE_URL,
  });
  const stytchErr = await failure((async () => {
    for (let i = 0; i < 2; i += 1) await throttled.sessions.get({ user_id: sv.user_id });
  })());
  assert.equal(stytchErr.status_code, 429);
  assert.equal(stytchErr.error_type, 'too_many_requests');
  const slow = createClerkClient({ secretKey: cv.throttled_secret_key, apiUrl: process.env.CLERK_API_URL });
  const clerkErr = await failure((async () => {
    for (let i = 0; i < 2; i += 1) await slow.sessions.getSessionList({ userId: cv.user_id });
  })());
  assert.equal(clerkErr.status, 429);
  assert.ok(clerkErr.retryAfter > 0 && clerkErr.retryAfter <= 60, `retryAfter ${clerkErr.retryAfter}`);
});

await step('every request stayed on loopback and reached the mock', async () => {
  assert.ok(requests.length > 30, `${requests.length} requests`);
  assert.equal(calls('/v1/sessions/jwks/' + sv.project_id) >= 1, true);
});

console.log(`${passed} passed, 0 failed`);
