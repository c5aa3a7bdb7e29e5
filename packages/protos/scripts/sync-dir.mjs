// Makes <target> hold exactly the files of <source>, writing only what differs: changed
// files are replaced by rename (readers see the old or the new file, never a partial one),
// files <source> lacks are deleted, and unchanged files keep their mtime.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const [source, target] = process.argv.slice(2);
if (!source || !target) {
  console.error('usage: sync-dir.mjs <source dir> <target dir>');
  process.exit(2);
}

const filesUnder = (dir) =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true, recursive: true })
        .filter((entry) => entry.isFile())
        .map((entry) => relative(dir, join(entry.parentPath ?? entry.path, entry.name)))
    : [];

const wanted = new Set(filesUnder(source));
let written = 0;
let removed = 0;
for (const file of wanted) {
  const content = readFileSync(join(source, file));
  const destination = join(target, file);
  if (existsSync(destination) && readFileSync(destination).equals(content)) continue;
  mkdirSync(dirname(destination), { recursive: true });
  const temporary = `${destination}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, destination);
  written++;
}
for (const file of filesUnder(target)) {
  if (wanted.has(file)) continue;
  rmSync(join(target, file));
  removed++;
}
// Directories left empty by deletions go too, deepest first.
const dirs = existsSync(target)
  ? readdirSync(target, { withFileTypes: true, recursive: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(entry.parentPath ?? entry.path, entry.name))
      .sort((a, b) => b.length - a.length)
  : [];
for (const dir of dirs) if (readdirSync(dir).length === 0) rmdirSync(dir);
console.log(`${relative(process.cwd(), target) || target}: ${written} written, ${removed} removed, ${wanted.size - written} unchanged`);
