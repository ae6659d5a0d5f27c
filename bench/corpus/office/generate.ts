// Generates the office bench corpus: one-page letters/sheets/slides and 10–30 page documents with tables, images and several fonts.
// Run: node --import tsx bench/corpus/office/generate.ts   (writes bench/corpus/office/{one-page,long}/)
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chartPng } from '../../../test/fixtures/zoo/scripts/office.js';
import { FONTS, fodp, fods, fodt, sofficeExport, type Block, type Slide } from '../../../test/fixtures/zoo/scripts/office.odf.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const WORDS = 'order invoice shipment quarter region revenue margin customer supplier warehouse forecast budget audit policy contract delivery schedule review team project milestone risk growth training safety'.split(' ');

/** Deterministic business prose: `n` sentences seeded by `seed`. */
function prose(seed: number, n: number): string {
  const out: string[] = [];
  let x = seed * 7919 + 1;
  const pick = () => WORDS[(x = (x * 1103515245 + 12345) % 2147483648) % WORDS.length]!;
  for (let s = 0; s < n; s++) {
    const words = Array.from({ length: 12 + ((seed + s) % 9) }, pick);
    out.push(words[0]![0]!.toUpperCase() + words.join(' ').slice(1) + '.');
  }
  return out.join(' ');
}

function table(seed: number, rows: number): string[][] {
  return [['Item', 'Region', 'Units', 'Price', 'Total'], ...Array.from({ length: rows }, (_, r) => {
    const units = 10 + ((seed * 31 + r * 17) % 400);
    const price = 3 + ((seed + r * 7) % 90);
    return [`${WORDS[(seed + r) % WORDS.length]} ${r + 1}`, ['North', 'South', 'East', 'West'][r % 4]!, String(units), String(price), String(units * price)];
  })];
}

function letter(seed: number, to: string): Block[] {
  return [
    { h: 'Harbour Trading Company' },
    { p: '14 Quay Street, Bristol BS1 4DJ', font: 1 },
    { p: `Dear ${to},` },
    { p: prose(seed, 5) },
    { p: prose(seed + 1, 4), font: 2 },
    { p: 'Yours sincerely, Margaret Hale, Accounts', font: 3 },
  ];
}

async function longDoc(seed: number, title: string, sections: number): Promise<Block[]> {
  const images = await Promise.all([0, 1, 2].map((i) => chartPng(seed + i)));
  const blocks: Block[] = [{ h: title }, { p: prose(seed, 6) }];
  for (let s = 1; s <= sections; s++) {
    blocks.push({ h: `${s}. ${WORDS[(seed + s) % WORDS.length]!.replace(/^./, (c) => c.toUpperCase())} section`, newPage: true });
    blocks.push({ p: prose(seed + s, 7), font: s % FONTS.length }, { table: table(seed + s, 10) }, { p: prose(seed + s * 3, 6), font: (s + 2) % FONTS.length });
    if (s % 2 === 0) blocks.push({ png: images[s % 3]!, widthCm: 10, heightCm: 6.1 });
  }
  return blocks;
}

function ledger(seed: number, rows: number) {
  return [{ name: 'Ledger', rows: [...table(seed, rows), ['', '', '', 'Sum', `=SUM([.E2:.E${rows + 1}])`]] }];
}

async function deck(seed: number, title: string, count: number): Promise<Slide[]> {
  const images = await Promise.all([0, 1, 2].map((i) => chartPng(seed + i)));
  return Array.from({ length: count }, (_, i) => ({
    title: i === 0 ? title : `${title}: part ${i + 1}`,
    lines: prose(seed + i, 3).split('. ').slice(0, 3),
    ...(i % 2 ? { png: images[i % 3] } : { boxes: [{ label: 'Plan' }, { label: 'Build' }, { label: 'Ship' }] }),
  }));
}

const FORMATS = { fodt: 'docx:MS Word 2007 XML', fods: 'xlsx:Calc MS Excel 2007 XML', fodp: 'pptx:Impress MS PowerPoint 2007 XML' };

async function sources(): Promise<Record<string, Record<string, string>>> {
  return {
    'one-page': {
      'letter-order-confirmation.fodt': fodt(letter(1, 'Mr. Thornton')),
      'letter-payment-reminder.fodt': fodt(letter(2, 'Ms. Lennox')),
      'invoice-march.fods': fods(ledger(3, 12)),
      'timesheet-week-12.fods': fods(ledger(4, 8)),
      'slide-kickoff.fodp': fodp(await deck(5, 'Project Kickoff', 1)),
      'slide-agenda.fodp': fodp(await deck(6, 'Board Agenda', 1)),
    },
    long: {
      'employee-handbook.fodt': fodt(await longDoc(7, 'Employee Handbook', 18)),
      'annual-report-2025.fodt': fodt(await longDoc(8, 'Annual Report 2025', 10)),
      'sales-ledger-2025.fods': fods(ledger(9, 700)),
      'inventory-ledger.fods': fods(ledger(10, 560)),
      'quarterly-review.fodp': fodp(await deck(11, 'Quarterly Review', 20)),
      'sales-training.fodp': fodp(await deck(12, 'Sales Training', 12)),
    },
  };
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'omnic-bench-corpus-'));
  for (const [klass, files] of Object.entries(await sources())) {
    const out = join(HERE, klass);
    await mkdir(out, { recursive: true });
    for (const [name, xml] of Object.entries(files)) await writeFile(join(work, name), xml);
    for (const [ext, format] of Object.entries(FORMATS)) {
      const batch = Object.keys(files).filter((n) => n.endsWith(`.${ext}`)).map((n) => join(work, n));
      await sofficeExport(batch, format, out);
    }
  }
  await rm(work, { recursive: true, force: true });
}

await main();
