// A real OpenID provider for the api's identity tests: oidc-provider (a certified
// OpenID Connect server, not ours) configured with our clients and accounts, on loopback.
//
// Started by the pytest fixture in tests/peers/oidc/providers.py as
//   node provider.mjs PORT
// It prints one JSON line ({"issuer": ...}) once it listens. The issuer is
// http://127.0.0.1:PORT; its signing keys are RSA keys made at start.
//
// What is ours is only the configuration and a few control routes under /_peer/ that
// a test needs to play the provider's operator: rotate the signing key (the new key
// signs, the old one stays published), retire the old keys (no longer published),
// take the JWKS endpoint down (503) and count how often it is fetched, and shorten
// the ID tokens' lifetime. Everything under any other path is oidc-provider itself.
//
// Accounts (the login of the development sign-in form; any password):
//   ada     ada@example.org, email_verified true
//   boss    boss@example.org, email_verified true, in group orchestra-admins
//   eve     eve@example.org, email_verified false
//   mallory mallory@example.org, no email_verified claim at all
// Clients (confidential, client_secret_basic, secret "<id>-secret"):
//   orchestra       the api's audience (oauth2-proxy's client in production)
//   another-app     some other application of the same provider

import { generateKeyPairSync, randomUUID } from "node:crypto";
import http from "node:http";

import Provider from "oidc-provider";

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error("usage: node provider.mjs PORT");
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;
// Each start step says when it is done (on stderr, beside the JSON line on stdout), so
// that a start that stalls shows in its log where it stopped.
const step = (what) => console.error(`provider: ${what} (${Math.round(performance.now())} ms)`);
step("oidc-provider loaded");
const REDIRECT_URI = "http://127.0.0.1/callback";

const ACCOUNTS = {
  ada: { email: "ada@example.org", email_verified: true, groups: [] },
  boss: { email: "boss@example.org", email_verified: true, groups: ["orchestra-admins"] },
  eve: { email: "eve@example.org", email_verified: false, groups: [] },
  mallory: { email: "mallory@example.org", groups: [] },
};

function client(id) {
  return {
    client_id: id,
    client_secret: `${id}-secret`,
    redirect_uris: [REDIRECT_URI],
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
  };
}

function signingKey() {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { ...privateKey.export({ format: "jwk" }), kid: randomUUID(), alg: "RS256", use: "sig" };
}

// Mutable state of the harness; oidc-provider reads its keys once per instance, so a
// change of keys builds a new instance (its in-memory storage is shared by all).
const state = { keys: [signingKey()], jwksDown: false, jwksRequests: 0, idTokenTtl: 600 };
step("signing key made");

function build() {
  const provider = new Provider(issuer, {
    clients: [client("orchestra"), client("another-app")],
    // The first key of an algorithm signs; all listed keys are published.
    jwks: { keys: state.keys },
    cookies: { keys: ["orchestra-test-peer-cookie-key"] },
    async findAccount(_ctx, id) {
      const account = ACCOUNTS[id];
      if (!account) return undefined;
      return {
        accountId: id,
        async claims() {
          return { sub: id, preferred_username: id, ...account };
        },
      };
    },
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["preferred_username"],
      groups: ["groups"],
    },
    // Put the scopes' claims in the ID token, as the common providers do for the code
    // flow (and as oauth2-proxy's --pass-authorization-header hands it on).
    conformIdTokenClaims: false,
    ttl: { IdToken: () => state.idTokenTtl },
    features: { devInteractions: { enabled: true } },
  });
  provider.on("server_error", (_ctx, error) => console.error("server_error", error));
  return provider;
}

let handler = build().callback();
step("provider built");

function json(response, status, body) {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

async function readJson(request) {
  let text = "";
  for await (const chunk of request) text += chunk;
  return text ? JSON.parse(text) : {};
}

async function control(request, response, path) {
  const body = request.method === "POST" ? await readJson(request) : {};
  if (path === "/_peer/rotate") {
    state.keys = [signingKey(), ...state.keys];
    handler = build().callback();
  } else if (path === "/_peer/retire") {
    state.keys = state.keys.slice(0, 1);
    handler = build().callback();
  } else if (path === "/_peer/jwks") {
    state.jwksDown = Boolean(body.down);
  } else if (path === "/_peer/id-token-ttl") {
    state.idTokenTtl = Number(body.seconds);
  } else if (path !== "/_peer/state") {
    return json(response, 404, { error: "no such control" });
  }
  return json(response, 200, {
    kids: state.keys.map((key) => key.kid),
    jwks_down: state.jwksDown,
    jwks_requests: state.jwksRequests,
    id_token_ttl: state.idTokenTtl,
  });
}

const server = http.createServer((request, response) => {
  const path = new URL(request.url, issuer).pathname;
  if (path.startsWith("/_peer/")) {
    control(request, response, path).catch((error) => json(response, 500, { error: `${error}` }));
    return;
  }
  if (path === "/jwks") {
    state.jwksRequests += 1;
    if (state.jwksDown) return json(response, 503, { error: "down for the test" });
  }
  handler(request, response);
});

step(`binding port ${port}`);
server.listen(port, "127.0.0.1", () => {
  console.log(JSON.stringify({ issuer, redirect_uri: REDIRECT_URI }));
});
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => process.exit(0));
}
