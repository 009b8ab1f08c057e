// Path checks of the extension host, without vscode so tests run them directly. trust.ts keeps
// an output folder setting inside the workspace with isInside.

import { isAbsolute, relative, resolve, sep } from 'node:path';

/** True when `child` is `parent` or lies below it (after resolving `..`; symlinks are not followed). */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(resolve(parent), resolve(child));
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
