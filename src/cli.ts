// The omnic command line: serve, convert, sign, formats, doctor, cache, precache.
import { parseArgs } from 'node:util';
import { serve } from './main.js';
import { cacheCommand, convertCommand, doctorCommand, formatsCommand, precacheCommand, signCommand } from './cli-commands.js';

const USAGE = `omnic — on-the-fly media conversion

Usage:
  omnic serve                                   start the HTTP server (default)
  omnic convert <file|url> <typestring> [-o out] convert one source to a file
  omnic sign <typestring> <url> [--exp unix] [--ttl seconds]
                                                print a signed /media path (key: first of OMNIC_SIGNING_KEYS, or --key)
  omnic formats [type]                          what the active profile converts (optionally from one type)
  omnic doctor                                  check the profile's tools and print their versions
  omnic cache stats|prune|clear [url]           inspect or empty the cache
  omnic precache <url> <typestring>…            convert ahead of time into the cache

Configuration comes from OMNIC_* environment variables (see README).`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      exp: { type: 'string' },
      ttl: { type: 'string' },
      key: { type: 'string' },
      base: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command = 'serve', ...args] = positionals;
  if (values.help || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  switch (command) {
    case 'serve':
      await serve();
      return -1; // keep running
    case 'convert':
      return convertCommand(args, values.output);
    case 'sign':
      return signCommand(args, values);
    case 'formats':
      return formatsCommand(args, values.json ?? false);
    case 'doctor':
      return doctorCommand();
    case 'cache':
      return cacheCommand(args);
    case 'precache':
      return precacheCommand(args);
    default:
      process.stderr.write(`Unknown command "${command}".\n\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: Error) => {
    process.stderr.write(`omnic: ${err.message}\n`);
    process.exit(1);
  },
);
