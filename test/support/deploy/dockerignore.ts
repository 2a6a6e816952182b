/**
 * .dockerignore semantics (moby/patternmatcher), enough to tell whether a path reaches the build context:
 * patterns are relative to the context root, `*` and `?` stay within one path segment, `**` spans segments, a
 * pattern that matches a folder excludes what is inside it, `!pattern` re-includes, and the last match wins.
 */
export function dockerignoreMatcher(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      const pattern = (negate ? line.slice(1) : line).replace(/^\/+/, '').replace(/\/+$/, '');
      return { negate, regex: new RegExp(`^${globToRegex(pattern)}$`) };
    });
  return (path: string) => {
    const clean = path.replace(/^\.\//, '').replace(/\/+$/, '');
    const segments = clean.split('/');
    const candidates = segments.map((_, i) => segments.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const rule of rules) {
      if (candidates.some((candidate) => rule.regex.test(candidate))) excluded = !rule.negate;
    }
    return excluded;
  };
}

function globToRegex(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      const slash = pattern[i + 2] === '/';
      out += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return out;
}
