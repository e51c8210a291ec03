/**
 * Request privacy at parse time: what is kept of an in-flight request's CGI
 * vars (the method and the path without its query), applied by the core
 * parser in documents.ts so nothing else ever reaches the rest of tsgitop.
 */

/** Longest method / path kept of an in-flight request (longer ones are cut; the rest is never stored). */
export const MAX_REQUEST_METHOD = 32;
export const MAX_REQUEST_PATH = 1024;

function varValue(vars: readonly unknown[], name: string): string | undefined {
  const prefix = name + '=';
  for (const v of vars) if (typeof v === 'string' && v.startsWith(prefix)) return v.slice(prefix.length);
  return undefined;
}

/** `s` cut at the first '?' or '#' (a query or fragment never survives). */
function withoutQuery(s: string): string {
  const q = s.search(/[?#]/);
  return q >= 0 ? s.slice(0, q) : s;
}

/**
 * Privacy at parse time: what is kept of one core's request `vars` (uWSGI's
 * `"KEY=VALUE"` strings) — the method and the path without its query string,
 * as `[REQUEST_METHOD=…, PATH_INFO=…]` (each only when sent). The path comes
 * from PATH_INFO, else from REQUEST_URI; either is cut at '?' and '#'. Every
 * other var (cookies, authorization, QUERY_STRING, headers, addresses) is
 * dropped here, so nothing downstream — screen, batch, --json, recordings,
 * the fleet — can ever see it. Non-string entries are dropped too.
 */
export function reduceRequestVars(vars: readonly unknown[]): { vars: string[]; method?: string; path?: string } {
  const method = varValue(vars, 'REQUEST_METHOD');
  const info = varValue(vars, 'PATH_INFO');
  const uri = varValue(vars, 'REQUEST_URI');
  const rawPath = info !== undefined && info !== '' ? info : uri;
  const out: { vars: string[]; method?: string; path?: string } = { vars: [] };
  if (method !== undefined) {
    out.method = method.slice(0, MAX_REQUEST_METHOD);
    out.vars.push(`REQUEST_METHOD=${out.method}`);
  }
  if (rawPath !== undefined) {
    out.path = withoutQuery(rawPath).slice(0, MAX_REQUEST_PATH);
    out.vars.push(`PATH_INFO=${out.path}`);
  }
  return out;
}
