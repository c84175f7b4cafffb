const BEARER = /^Bearer[ \t]+(\S+)\s*$/i;

/**
 * The token of an `Authorization: Bearer ...` header, or undefined when there is none, so callers
 * can tell "no credentials" apart from "bad credentials".
 */
export function bearerToken(authorizationHeader: string | undefined): string | undefined {
  if (!authorizationHeader) return undefined;
  return BEARER.exec(authorizationHeader.trim())?.[1];
}
