import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMessageEditor, lineDiff } from '../../src/channels/web/studio/message-editor';
import type { Diagnostic } from '../../src/flows/diagnostic';
import { loadMessageCatalog } from '../../src/i18n/message-catalog';
import { MINI_BOT_DIR } from '../support/mini-bot';

describe('studio message editor', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'aspa-editor-'));
    cpSync(path.join(MINI_BOT_DIR, 'locales'), dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('changes only the message, shows the diff, and writes the file atomically', async () => {
    const file = path.join(dir, 'fi', 'messages.yaml');
    const before = readFileSync(file, 'utf8');
    const editor = createMessageEditor({ localesDir: dir, validate: () => [] });
    const edit = { locale: 'fi' as const, key: 'order.ask_number', text: ['Mikä on tilausnumerosi?'], voice: ['Sano tilausnumerosi.'] };
    const preview = await editor.preview(edit);
    expect(preview.problems).toEqual([]);
    expect(preview.diff.filter((line) => line.kind !== 'same')).toEqual([
      { kind: 'removed', line: 9, text: '  ask_number: { text: "Tilausnumero? (fi)", voice: "Sano tilausnumero. (fi)" }' },
      { kind: 'added', line: 9, text: '  ask_number: { text: "Mikä on tilausnumerosi?", voice: "Sano tilausnumerosi." }' },
    ]);
    expect(readFileSync(file, 'utf8')).toBe(before);
    await editor.save(edit, preview.content);
    const after = readFileSync(file, 'utf8');
    // Every other line is as it was.
    expect(after.split('\n').filter((line, index) => line !== before.split('\n')[index])).toHaveLength(1);
    expect(readdirSync(path.join(dir, 'fi')).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(loadMessageCatalog(dir, ['fi', 'en']).get('fi', 'order.ask_number')).toEqual({ text: ['Mikä on tilausnumerosi?'], voice: ['Sano tilausnumerosi.'] });
  });

  it('refuses a change the bot would not validate, an unknown key, and a file that changed since the preview', async () => {
    const problem: Diagnostic = { file: path.join(dir, 'fi', 'messages.yaml'), line: 10, column: 3, rule: 'messages', severity: 'error', message: 'broken', hint: 'fix it' };
    const refusing = createMessageEditor({ localesDir: dir, validate: (copy) => [{ ...problem, file: path.join(copy, 'fi', 'messages.yaml') }] });
    const edit = { locale: 'fi' as const, key: 'order.status', text: ['Tilaus {order_number}'], voice: [] };
    const preview = await refusing.preview(edit);
    // The problem names the real file, not the checked copy.
    expect(preview.problems).toEqual([expect.objectContaining({ message: 'broken', file: path.join(dir, 'fi', 'messages.yaml') })]);
    const before = readFileSync(path.join(dir, 'fi', 'messages.yaml'), 'utf8');
    await expect(refusing.save(edit, preview.content)).rejects.toThrow(/would not validate/);
    expect(readFileSync(path.join(dir, 'fi', 'messages.yaml'), 'utf8')).toBe(before);

    const editor = createMessageEditor({ localesDir: dir, validate: () => [] });
    await expect(editor.preview({ ...edit, key: 'order.nope' })).rejects.toThrow(/no message order.nope/);
    await expect(editor.preview({ ...edit, text: [''] })).rejects.toThrow(/at least one text/);
    await expect(editor.save(edit, 'stale content')).rejects.toThrow(/changed since the preview/);
  });

  it('diffs by lines with context', () => {
    expect(lineDiff('a\nb\nc\nd', 'a\nb\nX\nd', 1)).toEqual([
      { kind: 'same', line: 2, text: 'b' }, { kind: 'removed', line: 3, text: 'c' }, { kind: 'added', line: 3, text: 'X' }, { kind: 'same', line: 4, text: 'd' },
    ]);
  });
});
