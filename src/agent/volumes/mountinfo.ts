/** Reading /proc/self/mountinfo (proc(5)). Pure. */

/** Mount points of a mountinfo text (field 5, octal escapes such as `\040` decoded), in file order. */
export function parseMountPoints(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f.length < 5) continue;
    out.push(f[4]!.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return out;
}

/** The mount points at or below `dir`, deepest first (the order to unmount them). */
export function mountsUnder(mountPoints: readonly string[], dir: string): string[] {
  const base = dir.replace(/\/+$/, '');
  const hits = mountPoints.filter((m) => m === base || m.startsWith(base + '/'));
  return [...new Set(hits)].sort((a, b) => b.split('/').length - a.split('/').length || b.localeCompare(a));
}
