/**
 * Pinned versions of Django and the app servers, read from requirements files, pyproject.toml,
 * Pipfile and setup.cfg. Used to pick version-dependent defaults; unpinned means Debian 12's
 * packages (Django 3.2, gunicorn 20.1, uvicorn 0.17) are assumed and said so.
 */
export type Pinned = Partial<
  Record<
    'django' | 'gunicorn' | 'uvicorn' | 'daphne' | 'hypercorn' | 'flask' | 'werkzeug',
    { version: string; exact: boolean; file: string; line: number }
  >
>;

const NAMES = ['django', 'gunicorn', 'uvicorn', 'daphne', 'hypercorn', 'flask', 'werkzeug'] as const;

export function isRequirementsFile(name: string): boolean {
  return /^(requirements.*\.(txt|in)|constraints.*\.txt|pyproject\.toml|Pipfile|setup\.cfg)$/i.test(name);
}

export function readPins(file: string, text: string, into: Pinned): void {
  const lines = text.split(/\r?\n/);
  lines.forEach((l, i) => {
    const line = l.replace(/\s#.*$/, '');
    for (const n of NAMES) {
      if (into[n]) continue;
      // requirements: Django==4.2.7, django[argon2]~=4.2, "Django>=4.2,<5" (pyproject), django = "^4.2" (poetry/Pipfile)
      const re = new RegExp(
        `(^|["'\\s])${n}(\\[[^\\]]*\\])?["']?\\s*(?:=\\s*["'{]?\\s*(?:version\\s*=\\s*["'])?)?\\s*(===|==|~=|>=|\\^|~)?\\s*v?(\\d+(?:\\.\\d+)*)`,
        'i',
      );
      const m = re.exec(line);
      if (!m) continue;
      // a bare version after "name =" in TOML counts as exact (Pipfile "==4.2" is matched by the operator)
      const op = m[3] ?? '==';
      into[n] = { version: m[4] as string, exact: op === '==' || op === '===', file, line: i + 1 };
    }
  });
}

/** True when version `v` is at least major.minor. */
export function versionAtLeast(v: string | undefined, major: number, minor = 0): boolean | undefined {
  if (!v) return undefined;
  const m = /^(\d+)(?:\.(\d+))?/.exec(v);
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = Number(m[2] ?? 0);
  return a > major || (a === major && b >= minor);
}
