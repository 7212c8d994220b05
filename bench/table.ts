/** A markdown table; the first `textColumns` are left-aligned labels, the rest right-aligned numbers. */
export function table(header: string[], rows: string[][], textColumns = 1): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_h, i) => (i < textColumns ? '---' : '---:'))), ...rows.map(line)].join('\n');
}
