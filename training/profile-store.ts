// The last profile of a config, kept next to it (.tinytrain/<model>/profile/latest.json) so the
// editor's plan view can show each layer's share of the step after `tinytrain profile` ran.
// Written atomically (writeFileAtomic): a reader never sees half a file.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { scheduleKey } from '../compiler/schedule/schedule.js';
import type { Profile } from './profile.js';
import type { Prepared } from './prepare.js';
import { workDir, workPath, writeFileAtomic } from './workspace.js';

/** scheduleKey: the profiled step's schedule (compiler/schedule scheduleKey), so the plan view
 * can say when the config's plan has changed since. */
export interface StoredProfile extends Profile { configPath: string; model: string; measuredAt: string; scheduleKey: string }

export function profilePath(configPath: string, modelName: string): string {
  return workPath(configPath, modelName, 'profile', 'latest.json');
}

export function writeProfile(p: Prepared, r: Profile): string {
  const path = join(workDir(p.configPath, p.spec.model.name, 'profile'), 'latest.json');
  const stored: StoredProfile = { ...r, configPath: resolve(p.configPath), model: p.spec.model.name, measuredAt: new Date().toISOString(), scheduleKey: scheduleKey(p.compilation.memory.schedule) };
  writeFileAtomic(path, JSON.stringify(stored));
  return path;
}

/** The stored profile, or undefined when there is none (or it is unreadable). */
export function readProfile(configPath: string, modelName: string): StoredProfile | undefined {
  const path = profilePath(configPath, modelName);
  if (!existsSync(path)) return undefined;
  try { return JSON.parse(readFileSync(path, 'utf8')) as StoredProfile; } catch { return undefined; }
}
