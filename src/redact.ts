// Credentials are never printed: a URL's user information (https://user:token@host) and the
// values of header settings become ***, wherever they appear in what is shown.

const URL_USER_INFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/?#@\s]*@/gi;

export function redactUrl(text: string): string {
  return text.replace(URL_USER_INFO, '$1***@');
}

/** A copy safe to print: every string with a URL's user information masked, every header value masked. */
export function redactSecrets(value: unknown, key = ''): unknown {
  if (typeof value === 'string') return /headers?$/i.test(key) ? '***' : redactUrl(value);
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, key));
  if (value === null || typeof value !== 'object') return value;
  const masked = /headers?$/i.test(key);
  return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, masked ? '***' : redactSecrets(item, name)]));
}
