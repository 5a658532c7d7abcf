/**
 * next-auth's error codes (`/signin?error=<code>`, set by its redirects to our page) as sentences a
 * person can act on. Unknown codes get the generic sentence: the query string is user input.
 */
const MESSAGES: Record<string, string> = {
  CredentialsSignin: "Wrong username or password.",
  AccessDenied: "Access denied: the identity provider gave no e-mail address, or this account may not sign in.",
  OAuthSignin: "Could not start signing in with the identity provider. Try again.",
  OAuthCallback: "The identity provider's answer could not be used. Try again.",
  OAuthCreateAccount: "Could not create your account. Ask an admin.",
  OAuthAccountNotLinked: "This e-mail address is already used with another sign-in method.",
  Callback: "Signing in failed on the server. Try again.",
  SessionRequired: "Sign in to see this page.",
  Configuration: "Sign-in is misconfigured on the server. Ask an admin (the server log has the details).",
  Verification: "The sign-in link has expired or was already used.",
};

export function signInErrorMessage(code: string | undefined): string | undefined {
  if (code === undefined || code === "") return undefined;
  return Object.hasOwn(MESSAGES, code) ? MESSAGES[code] : "Sign-in failed. Try again.";
}
