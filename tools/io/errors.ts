/** One wording for every file the tools cannot read: `cannot read <path>: <reason>`, never Node's raw `ENOENT: …, scandir '…'`. */
const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'name too long',
};

export function cannotRead(path: string, e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const reason = (err.code && REASONS[err.code]) ?? (err.message ?? String(e)).replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
  return `cannot read ${path}: ${reason}`;
}
