// /admin/: a small page to try a URL, see the thumbnail and its path, copy an <img> snippet, view the graph. Off without OMNIC_ADMIN_TOKEN.
import { timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Context, Next } from 'koa';
import { NotFoundError, UnauthorizedError } from '../errors.js';
import { signMediaUrl } from '../signing.js';
import { parseTypestring } from '../typestring.js';

const COOKIE = 'omnic_admin';

export function loadAdminPage(): Promise<string> {
  return readFile(new URL('./admin.html', import.meta.url), 'utf8');
}

/** Token from `Authorization: Bearer`, the admin cookie, or `?token=` (which then sets the cookie). */
export function adminAuth(token: string) {
  const expected = Buffer.from(token);
  const matches = (given: string | undefined) => {
    const buffer = Buffer.from(given ?? '');
    return buffer.length === expected.length && timingSafeEqual(buffer, expected);
  };
  return async (ctx: Context, next: Next) => {
    if (!token) throw new NotFoundError('The admin page is off; set OMNIC_ADMIN_TOKEN to enable it.');
    const bearer = /^Bearer (.+)$/.exec(ctx.get('Authorization'))?.[1];
    const query = typeof ctx.query.token === 'string' ? ctx.query.token : undefined;
    if (matches(query)) {
      ctx.cookies.set(COOKIE, query, { httpOnly: true, sameSite: 'strict', path: '/admin', overwrite: true, secure: false });
    } else if (!matches(bearer) && !matches(ctx.cookies.get(COOKIE))) {
      throw new UnauthorizedError('The admin page needs OMNIC_ADMIN_TOKEN: open /admin/?token=<token> or send Authorization: Bearer <token>.');
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'");
    await next();
  };
}

export function adminPage(html: string) {
  return (ctx: Context) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = html;
  };
}

/** Signs a typestring and URL for the page when URLs must be signed (the key never leaves the server). */
export function adminSign(signingKey: string | undefined) {
  return (ctx: Context) => {
    const typestring = parseTypestring(String(ctx.query.typestring ?? '')).canonical;
    const url = String(ctx.query.url ?? '');
    ctx.body = {
      path: signingKey ? signMediaUrl({ typestring, url, key: signingKey }) : `/media/${typestring}/?${new URLSearchParams({ url })}`,
    };
  };
}
