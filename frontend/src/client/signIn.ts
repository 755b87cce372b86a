// Identity belongs to the login proxy (oauth2-proxy in production, a stand-in in the dev
// stack): the dashboard never has a login form. A 401 from the api means "go and sign in",
// so the browser leaves for the proxy's start page and comes back to where it was.

export const SIGN_OUT_URL = "/oauth2/sign_out";

interface Place {
  pathname: string;
  search: string;
}

/** Where to send the browser so that the proxy signs the learner in and returns to `place`. */
export function signInUrl(place: Place): string {
  return `/oauth2/start?rd=${encodeURIComponent(place.pathname + place.search)}`;
}

/** The full-page navigation, behind an object so tests can watch it. */
export const navigation = {
  assign(url: string): void {
    window.location.assign(url);
  },
};

let leaving = false;

/** Leave for the sign-in page (once: many requests may fail with 401 at the same moment). */
export function sendToSignIn(): void {
  if (leaving) return;
  leaving = true;
  navigation.assign(signInUrl(window.location));
}

/** For tests: forget that the browser is already leaving. */
export function resetSignIn(): void {
  leaving = false;
}
