/**
 * Where a sign-in may send the browser afterwards: same-origin only. `callbackUrl` is attacker
 * input, and browsers are lenient readers of URLs: `/\evil.example` is read as `//evil.example`
 * (backslash is a slash in http URLs), and tabs and line breaks are stripped, so `/\t/evil.example`
 * is `//evil.example` too. A value with a backslash, a control character or white space is refused
 * outright; anything else is resolved against our origin and kept only if it stays there.
 */
export function safeRedirect(url: unknown, baseUrl: string): string {
  const base = new URL(baseUrl);
  const home = base.href;
  if (typeof url !== "string" || url === "" || url.length > 2048) return home;
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\\\u0000-\u0020\u007f-\u009f\u2028\u2029]/.test(url)) return home;
  let target: URL;
  try {
    target = new URL(url, base);
  } catch {
    return home;
  }
  if (target.origin !== base.origin) return home;
  return target.href;
}

/** The same rule for a path shown in our own sign-in page: a same-origin path, else `/`. */
export function safeCallbackPath(url: unknown): string {
  const origin = "http://gigafactory.invalid";
  const href = safeRedirect(url, origin);
  const u = new URL(href);
  return `${u.pathname}${u.search}${u.hash}`;
}
