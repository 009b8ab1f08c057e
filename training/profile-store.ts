// The last profile of a config, kept next to it (.tinytrain/<model>/profile/latest.json) so the
// editor's plan view can show each layer's share of the step after `tinytrain profile` ran.
// Written to a private name and renamed into place: a reader never sees half a file.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Profile } from './profile.js';
import type { Prepared } from './prepare.js';
import { workDir } from './workspace.js';

export interface StoredProfile extends Profile { configPath: string; model: string; measuredAt: string }

export function profilePath(configPath: string, modelName: string): string {
  return join(dirname(resolve(configPath)), '.tinytrain', modelName.replace(/[^A-Za-z0-9_.-]/g, '_'), 'profile', 'latest.json');
}

export function writeProfile(p: Prepared, r: Profile): string {
  workDir(p.configPath, p.spec.model.name, 'profile');
  const path = profilePath(p.configPath, p.spec.model.name);
  const stored: StoredProfile = { ...r, configPath: resolve(p.configPath), model: p.spec.model.name, measuredAt: new Date().toISOString() };
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(stored));
  renameSync(tmp, path);
  return path;
}

/** The stored profile, or undefined when there is none (or it is unreadable). */
export function readProfile(configPath: string, modelName: string): StoredProfile | undefined {
  const path = profilePath(configPath, modelName);
  if (!existsSync(path)) return undefined;
  try { return JSON.parse(readFileSync(path, 'utf8')) as StoredProfile; } catch { return undefined; }
}
