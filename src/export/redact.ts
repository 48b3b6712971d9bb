// Credentials in a URL (user:password@host) never reach a line or a record.
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//***@');
}
