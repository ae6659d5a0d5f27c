// LibreOffice: office documents, spreadsheets, presentations, drawings, HTML and plain text → PDF, on a warm UNO pool.
import { symlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InputRejectedError } from '../errors.js';
import { canonicalExt } from '../formats.js';
import type { Converter, Edge } from './converter.js';
import { ToolFailedError } from './exec.js';
import { createLibreofficePool, ListenerDiedError, type LibreofficePool } from './libreoffice-pool.js';

interface Filters {
  /** Import filter pinned per type, so a file is never read by a filter its declared type does not name. */
  import: string;
  export: string;
  options?: string;
}

const WRITER = 'writer_pdf_Export';
const CALC = 'calc_pdf_Export';
const IMPRESS = 'impress_pdf_Export';
const DRAW = 'draw_pdf_Export';
// CSV: comma, double quote, UTF-8 (76), from row 1, detect special numbers.
const CSV_OPTIONS = '44,34,76,1,,0,false,true,true';

export const LIBREOFFICE_FILTERS: Readonly<Record<string, Filters>> = {
  'application/msword': { import: 'MS Word 97', export: WRITER },
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': { import: 'MS Word 2007 XML', export: WRITER },
  'application/vnd.oasis.opendocument.text': { import: 'writer8', export: WRITER },
  'application/rtf': { import: 'Rich Text Format', export: WRITER },
  'application/vnd.ms-excel': { import: 'MS Excel 97', export: CALC },
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { import: 'Calc MS Excel 2007 XML', export: CALC },
  'application/vnd.oasis.opendocument.spreadsheet': { import: 'calc8', export: CALC },
  'text/csv': { import: 'Text - txt - csv (StarCalc)', export: CALC, options: CSV_OPTIONS },
  'application/vnd.ms-powerpoint': { import: 'MS PowerPoint 97', export: IMPRESS },
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': { import: 'Impress MS PowerPoint 2007 XML', export: IMPRESS },
  'application/vnd.oasis.opendocument.presentation': { import: 'impress8', export: IMPRESS },
  'application/vnd.oasis.opendocument.graphics': { import: 'draw8', export: DRAW },
  'application/vnd.ms-visio.drawing': { import: 'Visio Document', export: DRAW },
  'text/html': { import: 'HTML', export: 'writer_web_pdf_Export' },
  'text/plain': { import: 'Text (encoded)', export: WRITER, options: 'UTF8' },
};

// Cheap next to a cold start, dear next to sharp (1–2): the graph prefers any native path over a detour through a document.
const COST = 10;

export interface LibreofficeOptions {
  /** Parent of the pool's private directory (defaults to the OS temp dir). */
  tmpDir?: string;
}

export function createLibreofficeConverter(options: LibreofficeOptions = {}): Converter & { readonly pool?: LibreofficePool } {
  let pool: LibreofficePool | undefined;
  let size = 2;
  return {
    name: 'libreoffice',
    tools: [
      { name: 'soffice', candidates: ['soffice', 'libreoffice'], package: 'libreoffice-writer-nogui', versionArgs: ['--version'] },
      // Debian's python3-uno only serves the system interpreter, so /usr/bin/python3 beats a pyenv or venv python3 on PATH.
      { name: 'python3-uno', candidates: ['/usr/bin/python3', 'python3'], package: 'python3-uno', versionArgs: ['-c', 'import uno, sys; print("python3-uno", sys.version.split()[0])'] },
    ],
    edges: Object.keys(LIBREOFFICE_FILTERS).map((from): Edge => ({ from, to: 'application/pdf', cost: COST })),
    // Page selection happens later, in poppler; nothing in the request changes the PDF.
    options: [],
    get concurrency() {
      return size;
    },
    get pool() {
      return pool;
    },
    async start(runtime) {
      size = Number(runtime.settings.poolSize ?? 2);
      pool = await createLibreofficePool({
        soffice: runtime.tools.soffice!.path,
        python: runtime.tools['python3-uno']!.path,
        size,
        recycleAfter: Number(runtime.settings.recycleAfter ?? 200),
        tmpDir: options.tmpDir,
        log: runtime.log,
        onRestart: runtime.onRestart,
      });
    },
    async stop() {
      await pool?.stop();
      pool = undefined;
    },
    async run(step) {
      const filters = LIBREOFFICE_FILTERS[step.from];
      if (!filters || step.to !== 'application/pdf') throw new InputRejectedError(`LibreOffice cannot convert ${step.from} to ${step.to}.`);
      if (!pool) throw new Error('The libreoffice converter was not started.');
      // The cached source has no extension; LibreOffice names the document (and a CSV's sheet) after its file, so give it a neutral one.
      const input = join(step.workDir, `document.${canonicalExt(step.from)}`);
      await symlink(resolve(step.input), input);
      try {
        const reply = await pool.convert({ input, output: resolve(step.output), importFilter: filters.import, filterOptions: filters.options, exportFilter: filters.export }, step.signal);
        if (!reply.ok) throw new ToolFailedError('libreoffice', undefined, undefined, `${reply.error}: ${reply.detail ?? ''}`);
      } catch (err) {
        if (err instanceof ListenerDiedError) throw new ToolFailedError('libreoffice', undefined, 'crash', err.message);
        throw err;
      }
    },
  };
}
