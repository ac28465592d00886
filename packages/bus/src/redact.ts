/** Secrets out of what is printed: a NATS URL may carry `user:password@` or a token. */

/**
 * The URL(s) with any credentials replaced by `***` (`nats://alice:***@host:4222`). Handles a
 * comma-separated list and strings that are not URLs (returned as they are).
 */
export function redactUrl(url: string): string {
  return url
    .split(",")
    .map((part) =>
      part.replace(/^(\s*[a-z][a-z0-9+.-]*:\/\/)([^@/?#\s]*)@/i, (_m, scheme: string, auth: string) => {
        const colon = auth.indexOf(":");
        // user:password keeps the user; a lone token (nats://TOKEN@host) is all secret.
        return `${scheme}${colon >= 0 ? `${auth.slice(0, colon)}:***` : "***"}@`;
      }),
    )
    .join(",");
}

/** Every URL with credentials inside a longer text (an error message) redacted. */
export function redactUrls(text: string): string {
  return text.replace(/[a-z][a-z0-9+.-]*:\/\/[^@/?#\s,]*@/gi, (m) => redactUrl(m));
}
