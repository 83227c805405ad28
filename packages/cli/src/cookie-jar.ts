/**
 * A cookie store for one simulated client talking to one origin, the balancer. It keeps each cookie by
 * name, honours Max-Age and Expires (RFC 6265 section 5.2.1 and 5.2.2: Max-Age wins, a value of zero or
 * less deletes), and returns the Cookie header a browser would send back.
 *
 * NOTE: Domain, Path and Secure are not matched, because every request of the CLI goes to one origin over
 * plain http. A browser would not send a Secure cookie over http; the lab's services do not set Secure there.
 */
export class CookieJar {
  private readonly cookies = new Map<
    string,
    { readonly value: string; readonly expiresAtMs: number | undefined }
  >();

  constructor(private readonly now: () => number = Date.now) {}

  /** Stores every cookie of a response's `Set-Cookie` headers. */
  storeResponseCookies(setCookieHeaders: readonly string[] | string | undefined): void {
    if (setCookieHeaders === undefined) {
      return;
    }
    for (const header of typeof setCookieHeaders === 'string' ? [setCookieHeaders] : setCookieHeaders) {
      this.store(header);
    }
  }

  /** Stores one `Set-Cookie` header value; a header without `name=` is ignored, as a browser does. */
  store(setCookie: string): void {
    const [pair = '', ...attributes] = setCookie.split(';');
    const separator = pair.indexOf('=');
    if (separator <= 0) {
      return;
    }
    const name = pair.slice(0, separator).trim();
    const value = pair.slice(separator + 1).trim();
    if (name === '') {
      return;
    }

    const expiresAtMs = this.readExpiry(attributes);
    if (expiresAtMs !== undefined && expiresAtMs <= this.now()) {
      this.cookies.delete(name);
      return;
    }
    this.cookies.set(name, { value, expiresAtMs });
  }

  /** Returns the value of the cookie `name`, or undefined when it is absent or expired. */
  get(name: string): string | undefined {
    this.dropExpired();
    return this.cookies.get(name)?.value;
  }

  /** Returns the `Cookie` request header for the stored cookies, or undefined when there are none. */
  cookieHeader(): string | undefined {
    this.dropExpired();
    if (this.cookies.size === 0) {
      return undefined;
    }
    return [...this.cookies].map(([name, cookie]) => `${name}=${cookie.value}`).join('; ');
  }

  /** Number of cookies that have not expired. */
  get size(): number {
    this.dropExpired();
    return this.cookies.size;
  }

  /** Reads the expiry time from Max-Age, else from Expires; undefined means a session cookie. */
  private readExpiry(attributes: readonly string[]): number | undefined {
    let maxAgeSeconds: number | undefined;
    let expiresAtMs: number | undefined;
    for (const attribute of attributes) {
      const separator = attribute.indexOf('=');
      const key = (separator === -1 ? attribute : attribute.slice(0, separator)).trim().toLowerCase();
      const value = separator === -1 ? '' : attribute.slice(separator + 1).trim();

      if (key === 'max-age' && /^-?\d+$/.test(value)) {
        maxAgeSeconds = Number(value);
      } else if (key === 'expires') {
        const parsed = Date.parse(value);
        expiresAtMs = Number.isNaN(parsed) ? expiresAtMs : parsed;
      }
    }

    if (maxAgeSeconds !== undefined) {
      return maxAgeSeconds <= 0 ? Number.NEGATIVE_INFINITY : this.now() + maxAgeSeconds * 1000;
    }
    return expiresAtMs;
  }

  private dropExpired(): void {
    const now = this.now();
    for (const [name, cookie] of this.cookies) {
      if (cookie.expiresAtMs !== undefined && cookie.expiresAtMs <= now) {
        this.cookies.delete(name);
      }
    }
  }
}
