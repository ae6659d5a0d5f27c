// One warm LibreOffice listener: a headless soffice with its own user profile plus the python3-uno bridge that drives it.
import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { spawnDaemon, type Daemon } from './exec.js';

const BRIDGE = fileURLToPath(new URL('./uno-bridge.py', import.meta.url));
const READY_TIMEOUT_MS = 90_000;

export interface BridgeRequest {
  input: string;
  output: string;
  importFilter: string;
  filterOptions?: string;
  exportFilter: string;
}

export interface BridgeReply {
  ok: boolean;
  error?: string;
  detail?: string;
}

export interface Listener {
  /** Distinguishes the listener's files and processes (its directory name). */
  readonly id: string;
  /** Settles when soffice or its bridge exits, for whatever reason. */
  readonly died: Promise<void>;
  convert(request: BridgeRequest): Promise<BridgeReply>;
  /** Kills both process groups and waits for them to be gone. */
  kill(): Promise<void>;
  stderr(): string;
}

export interface ListenerSpec {
  soffice: string;
  python: string;
  /** The listener's private directory: user profile, bridge socket; wiped when `fresh`. */
  dir: string;
  fresh: boolean;
}

// Written into each fresh profile: macros off, untrusted referer links blocked, and every protocol LibreOffice
// could fetch a remote image or link with goes to a dead local proxy (port 9, discard), so documents cannot phone out.
const HARDENING_XCU = `<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
${prop('Office.Common/Security/Scripting', 'MacroSecurityLevel', '3')}
${prop('Office.Common/Security/Scripting', 'DisableMacrosExecution', 'true')}
${prop('Office.Common/Security/Scripting', 'BlockUntrustedRefererLinks', 'true')}
${prop('Inet/Settings', 'ooInetProxyType', '1')}
${['HTTP', 'HTTPS', 'FTP'].map((p) => prop('Inet/Settings', `ooInet${p}ProxyName`, '127.0.0.1') + '\n' + prop('Inet/Settings', `ooInet${p}ProxyPort`, '9')).join('\n')}
${prop('Inet/Settings', 'ooInetNoProxy', '')}
</oor:items>
`;

function prop(path: string, name: string, value: string): string {
  return `<item oor:path="/org.openoffice.${path}"><prop oor:name="${name}" oor:op="fuse"><value>${value}</value></prop></item>`;
}

export async function startListener(spec: ListenerSpec): Promise<Listener> {
  const id = spec.dir.split('/').pop()!;
  const profile = join(spec.dir, 'profile');
  const socketPath = join(spec.dir, 'bridge.sock');
  if (spec.fresh) await rm(spec.dir, { recursive: true, force: true });
  await mkdir(join(profile, 'user'), { recursive: true });
  if (spec.fresh) await writeFile(join(profile, 'user', 'registrymodifications.xcu'), HARDENING_XCU);
  await rm(socketPath, { force: true });
  const pipe = `omnic-${id}-${process.pid}`;
  const soffice = spawnDaemon(spec.soffice, sofficeArgs(profile, pipe), { cwd: spec.dir });
  const bridge = spawnDaemon(spec.python, [BRIDGE, pipe, socketPath], { cwd: spec.dir });
  const died = Promise.race([soffice.exited, bridge.exited]).then(() => undefined);
  const kill = async () => {
    soffice.kill();
    bridge.kill();
    await Promise.all([soffice.exited, bridge.exited]);
    await Promise.all(oslPipes(`file://${profile}`, pipe).map((path) => rm(path, { force: true })));
  };
  try {
    const socket = await connectWhenReady(socketPath, died);
    return { id, died, kill, convert: requester(socket, died), stderr: () => `${soffice.stderr()}\n${bridge.stderr()}`.trim() };
  } catch (err) {
    await kill();
    throw new Error(`LibreOffice listener ${id} did not start: ${(err as Error).message} ${describe(soffice, bridge)}`);
  }
}

function sofficeArgs(profile: string, pipe: string): string[] {
  return [
    `-env:UserInstallation=file://${profile}`,
    '--headless', '--invisible', '--nologo', '--norestore', '--nodefault', '--nolockcheck',
    `--accept=pipe,name=${pipe};urp;StarOffice.ComponentContext`,
  ];
}

/**
 * The unix sockets a killed soffice leaves in /tmp (sal's pipe directory, whatever TMPDIR says): the --accept pipe and the
 * single-instance pipe, named "SingleOfficeIPC_" + MD5 of the UTF-16LE profile URL in unpadded hex (desktop/source/app/officeipcthread.cxx).
 */
function oslPipes(profileUrl: string, pipe: string): string[] {
  const digest = createHash('md5').update(Buffer.from(profileUrl, 'utf16le')).digest();
  const ipc = `SingleOfficeIPC_${[...digest].map((b) => b.toString(16)).join('')}`;
  const uid = process.getuid?.() ?? 0;
  return [pipe, ipc].map((name) => `/tmp/OSL_PIPE_${uid}_${name}`);
}

function describe(soffice: Daemon, bridge: Daemon): string {
  return `(soffice: ${soffice.stderr().slice(0, 300) || 'no output'}; bridge: ${bridge.stderr().slice(-300) || 'no output'})`;
}

/** The bridge opens its socket only once it holds a UNO connection to soffice, so a connect means ready. */
async function connectWhenReady(path: string, died: Promise<void>): Promise<Socket> {
  let dead = false;
  void died.then(() => (dead = true));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (dead) throw new Error('a process exited during start-up');
    const socket = await new Promise<Socket | undefined>((resolve) => {
      const s = connect(path);
      s.once('connect', () => resolve(s));
      s.once('error', () => resolve(undefined));
    });
    if (socket) return socket;
    if (Date.now() > deadline) throw new Error(`not ready after ${READY_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One request at a time (the pool guarantees it); a reply, or a rejection when the listener dies first. */
function requester(socket: Socket, died: Promise<void>): (request: BridgeRequest) => Promise<BridgeReply> {
  let pending: { resolve: (r: BridgeReply) => void; reject: (e: Error) => void } | undefined;
  let next = 0;
  const fail = (err: Error) => {
    pending?.reject(err);
    pending = undefined;
  };
  createInterface({ input: socket }).on('line', (line) => {
    const reply = JSON.parse(line) as BridgeReply;
    pending?.resolve(reply);
    pending = undefined;
  });
  socket.on('error', () => fail(new Error('bridge connection lost')));
  socket.on('close', () => fail(new Error('bridge connection closed')));
  void died.then(() => {
    fail(new Error('listener exited'));
    socket.destroy();
  });
  return (request) =>
    new Promise<BridgeReply>((resolve, reject) => {
      if (socket.destroyed) return reject(new Error('listener exited'));
      pending = { resolve, reject };
      socket.write(JSON.stringify({ id: next++, ...request }) + '\n');
    });
}
