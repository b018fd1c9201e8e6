// Imported first by sdk.mjs: refuses every connection that is not to the loopback interface
// (at the socket, so nothing an SDK does can reach a vendor), and records each HTTP request the
// SDKs make (fetch for the APIs, node:https for jose's JWKS download) so the test can assert
// which routes were, and were not, called.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Every request made so far: `{via, method, path}`. */
export const requests = [];

export function assertLoopback(host) {
  if (!LOOPBACK.has(String(host))) {
    throw new Error(`guard: blocked a connection to ${host} (tests talk to loopback only)`);
  }
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  // net.connect() passes its normalized [options, callback]; direct calls pass
  // (options, cb), (port, host, cb) or (path, cb).
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (first !== null && typeof first === 'object') {
    if (first.path === undefined) assertLoopback(first.host ?? 'localhost');
  } else if (typeof first === 'number' || /^\d+$/.test(String(first))) {
    assertLoopback(typeof args[1] === 'string' ? args[1] : 'localhost');
  }
  return connect.apply(this, args);
};

const realFetch = globalThis.fetch;
globalThis.fetch = async function guardedFetch(input, init) {
  const url = new URL(input instanceof Request ? input.url : String(input));
  assertLoopback(url.hostname);
  const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  requests.push({ via: 'fetch', method, path: url.pathname });
  return realFetch(input, init);
};

for (const mod of [http, https]) {
  for (const name of ['request', 'get']) {
    const original = mod[name];
    mod[name] = function guardedRequest(target, ...rest) {
      if (typeof target === 'string' || target instanceof URL) {
        const url = new URL(String(target));
        assertLoopback(url.hostname);
        requests.push({ via: 'node:http', method: 'GET', path: url.pathname });
      } else if (target && typeof target === 'object') {
        assertLoopback(target.hostname ?? target.host ?? 'localhost');
      }
      return original.call(this, target, ...rest);
    };
  }
}

/** How many requests went to exactly `path`. */
export function calls(path) {
  return requests.filter((r) => r.path === path).length;
}
