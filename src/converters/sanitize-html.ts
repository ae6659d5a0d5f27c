// Makes tool-generated HTML inert (no scripts, handlers, javascript: or remote resources) and wraps it in a standalone page.
import sanitize from 'sanitize-html';

export interface SanitizeOptions {
  /** Image sources the converter itself extracted, already turned into data: URIs; any other image is dropped. */
  images?: ReadonlyMap<string, string>;
}

const DATA_IMAGE = /^data:image\/(png|jpeg|gif|webp);base64,[a-z0-9+/=\s]+$/i;
const HEX_OR_RGB = [/^#[0-9a-f]{3,8}$/i, /^rgba?\(\s*[\d.,\s%]+\)$/i];
const LENGTH = [/^\d+(\.\d+)?(px|em|rem|%|in|cm|mm|pt)?$/i];

const BASE: sanitize.IOptions = {
  allowedTags: [
    ...sanitize.defaults.allowedTags,
    'img', 'figure', 'figcaption', 'section', 'article', 'header', 'footer', 'span', 'div', 'del', 'ins', 'sup', 'sub',
    'details', 'summary', 'dl', 'dt', 'dd', 'colgroup', 'col', 'mark', 'small', 'kbd', 'samp', 'var', 'abbr',
  ],
  allowedAttributes: {
    '*': ['id', 'class', 'title', 'lang', 'dir', 'style', 'aria-hidden', 'data-number'],
    a: ['href', 'name'],
    img: ['src', 'alt', 'width', 'height'],
    td: ['colspan', 'rowspan', 'align'],
    th: ['colspan', 'rowspan', 'align', 'scope'],
    col: ['span', 'width'],
    ol: ['start', 'type'],
  },
  // Only presentational declarations with plain values: no url(), no expression(), no positioning tricks.
  allowedStyles: {
    '*': {
      color: HEX_OR_RGB,
      'background-color': HEX_OR_RGB,
      'font-weight': [/^(bold|normal|[1-9]00)$/],
      'font-style': [/^(italic|normal)$/],
      'text-decoration': [/^(underline|line-through|none)$/],
      'text-align': [/^(left|right|center|justify)$/],
      'font-size': LENGTH,
      width: LENGTH,
      height: LENGTH,
    },
  },
  // Links may navigate (a click is the reader's choice) but never run code; images get no scheme at all (see transform).
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['data'] },
  allowProtocolRelative: false,
  // Dropped with everything inside them, not just unwrapped: their text would be noise or code.
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'head', 'template', 'iframe', 'object', 'svg', 'math', 'select', 'button'],
};

/** A sanitized HTML fragment: what a browser (or LibreOffice rendering it to PDF) can show without fetching or running anything. */
export function sanitizeHtml(html: string, options: SanitizeOptions = {}): string {
  const images = options.images ?? new Map<string, string>();
  return sanitize(html, {
    ...BASE,
    transformTags: {
      a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'noopener noreferrer nofollow' } }),
      img: (tagName, attribs) => ({ tagName, attribs: { ...attribs, src: inertImage(attribs.src, images) } }),
    },
    allowedAttributes: { ...BASE.allowedAttributes, a: ['href', 'name', 'rel'] },
    // An image whose source was not one we extracted is removed entirely, so nothing is fetched from anywhere.
    exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
  });
}

function inertImage(src: string | undefined, images: ReadonlyMap<string, string>): string {
  if (!src) return '';
  const extracted = images.get(src);
  if (extracted) return extracted;
  return DATA_IMAGE.test(src) ? src : '';
}

const STYLESHEET = `
  body { margin: 2rem auto; max-width: 52rem; padding: 0 1rem; font: 16px/1.5 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #1f2328; background: #fff; }
  h1, h2, h3 { line-height: 1.25; }
  pre, code { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 0.9em; }
  pre { padding: 0.75rem; overflow-x: auto; background: #f6f8fa; border-radius: 4px; }
  table { border-collapse: collapse; margin: 1rem 0; }
  th, td { border: 1px solid #d0d7de; padding: 0.3rem 0.6rem; }
  th { background: #f6f8fa; }
  img { max-width: 100%; height: auto; }
  blockquote { margin: 0; padding-left: 1rem; border-left: 4px solid #d0d7de; color: #59636e; }`;

export interface PageOptions {
  title: string;
  /** An already sanitized fragment. */
  body: string;
  /** Extra CSS of our own (never from the input). */
  css?: string;
}

/** A standalone UTF-8 page around a sanitized fragment, with our own small stylesheet and nothing else. */
export function standaloneHtml(page: PageOptions): string {
  const title = sanitize(page.title, { allowedTags: [], allowedAttributes: {} }).slice(0, 200) || 'Document';
  return [
    '<!DOCTYPE html>',
    '<html>',
    '<head>',
    '<meta charset="utf-8">',
    // No CSP <meta> here: LibreOffice 7.4's HTML import crashes on http-equiv CSP (html → pdf thumbnails); src/http/send.ts sends the CSP as a header instead.
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${title}</title>`,
    `<style>${STYLESHEET}${page.css ?? ''}\n</style>`,
    '</head>',
    '<body>',
    page.body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
