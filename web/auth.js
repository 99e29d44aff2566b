// Sign-in for the studio: one bearer token kept for this tab (sessionStorage), sent on every API call.
// Deployed with an identity provider (Cognito or any OIDC provider), config.json's `auth` names its authorize and
// token endpoints and the public client: the authorization code flow with PKCE, in the page, no client secret.
// Locally (`make run AUTH=users`) the issuer has no login page: a token from `make token` is pasted instead.

const TOKEN_KEY = "studio.token";
const FLOW_KEY = "studio.signInFlow";

export function storedToken() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token && expired(token)) {
    sessionStorage.removeItem(TOKEN_KEY);
    return null;
  }
  return token;
}

export function keepToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token.trim().replace(/^Bearer\s+/i, ""));
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** Whether `auth` (config.json) names an identity provider the page can send people to. */
export function hasProvider(auth) {
  return Boolean(auth && auth.authorizeUrl && auth.tokenUrl && auth.clientId);
}

/** Send the person to the provider's login page (code flow, S256 PKCE, a random state). */
export async function beginSignIn(auth) {
  const verifier = randomUrlSafe(32);
  const state = randomUrlSafe(16);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  sessionStorage.setItem(FLOW_KEY, JSON.stringify({ verifier, state }));
  const url = new URL(auth.authorizeUrl);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: auth.clientId,
    redirect_uri: redirectUri(),
    scope: auth.scope || "openid",
    state,
    code_challenge: base64Url(new Uint8Array(digest)),
    code_challenge_method: "S256",
  }).toString();
  location.assign(url.toString());
}

/**
 * Back from the provider (?code=...&state=...): trade the code for tokens and keep the one the API checks
 * (`auth.tokenType`, default the ID token, whose audience is the client id). Returns null when the page was not
 * opened by a sign-in. Throws an Error with the reason when the sign-in failed.
 */
export async function finishSignIn(auth) {
  const params = new URLSearchParams(location.search);
  const code = params.get("code");
  const failure = params.get("error");
  if (!code && !failure) return null;
  const flow = JSON.parse(sessionStorage.getItem(FLOW_KEY) || "null");
  sessionStorage.removeItem(FLOW_KEY);
  history.replaceState(null, "", redirectUri()); // the code is single-use: never leave it in the address bar
  if (failure) throw new Error(params.get("error_description") || failure);
  if (!flow || params.get("state") !== flow.state) throw new Error("The sign-in answer does not match this tab.");
  const response = await fetch(auth.tokenUrl, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: redirectUri(),
      client_id: auth.clientId,
      code_verifier: flow.verifier,
    }),
  });
  if (!response.ok) throw new Error(`The identity provider refused the sign-in (HTTP ${response.status}).`);
  const tokens = await response.json();
  const token = tokens[auth.tokenType || "id_token"] || tokens.access_token;
  if (!token) throw new Error("The identity provider sent no token.");
  keepToken(token);
  return token;
}

/** Who the token names (its `sub`, or a friendlier claim), for the page to show; null if it cannot be read. */
export function tokenUser(token) {
  const claims = claimsOf(token);
  return claims ? claims.email || claims["cognito:username"] || claims.preferred_username || claims.sub : null;
}

function expired(token) {
  const claims = claimsOf(token);
  return Boolean(claims && typeof claims.exp === "number" && claims.exp * 1000 <= Date.now());
}

function claimsOf(token) {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(payload.padEnd(payload.length + ((4 - (payload.length % 4)) % 4), "=")));
  } catch {
    return null; // not a JWT (an API key, say): the service decides
  }
}

function redirectUri() {
  return `${location.origin}${location.pathname}`;
}

function randomUrlSafe(bytes) {
  return base64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

function base64Url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
