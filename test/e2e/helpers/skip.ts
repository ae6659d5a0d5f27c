// Locally, e2e suites skip with a reason when Docker (or nginx) is missing; with CI=true they run and fail instead.
import { execFileSync } from 'node:child_process';

function works(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

/** false (run) or the reason to skip; `nginx` adds Debian's nginx to the requirements. */
export function e2eSkip(...extra: 'nginx'[]): false | string {
  if (process.env.CI === 'true') return false;
  if (!works('docker', ['info'])) return 'no Docker daemon answers (start dockerd; .ci/run does)';
  if (extra.includes('nginx') && !works('nginx', ['-v'])) return 'nginx is not installed (apt-get install nginx)';
  return false;
}
