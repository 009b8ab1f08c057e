// Finding the C toolchains and saying clearly what to install when one is missing.

import { spawnSync } from 'node:child_process';

const PACKAGES: Record<string, string> = {
  gcc: 'gcc',
  'arm-none-eabi-gcc': 'gcc-arm-none-eabi libnewlib-arm-none-eabi',
  'arm-none-eabi-size': 'binutils-arm-none-eabi',
  'qemu-system-arm': 'qemu-system-arm',
  valgrind: 'valgrind',
  socat: 'socat',
};

export function hasTool(name: string): boolean {
  const r = spawnSync(name, ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

export function missingToolMessage(name: string): string {
  const pkg = PACKAGES[name] ?? name;
  return `${name} is not installed. On Debian or Ubuntu: sudo apt-get install --no-install-recommends ${pkg}`;
}

export class ToolError extends Error {}

export function requireTool(name: string): void {
  if (!hasTool(name)) throw new ToolError(missingToolMessage(name));
}
