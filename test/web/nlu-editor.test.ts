import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createNluEditor } from '../../src/channels/web/studio/nlu-editor';
import { loadNluData } from '../../src/nlu/load-nlu-data';

const NLU = [
  '# Opetusdata: kommentti pysyy.',
  'intents:',
  '  order_status:',
  '    - missä tilaukseni on   # yleisin',
  '    - tilauksen tila',
  '  human_agent: [ihminen, asiakaspalvelija]',
  'oos:',
  '  - banaani',
  '',
].join('\n');
const FAQ = [
  '# FAQ',
  '- id: opening_hours',
  '  questions:',
  '    - milloin olette auki',
  '  answer: "Olemme auki 8–18"   # arkisin',
  '',
  '- id: delivery',
  '  questions: [toimitusaika]',
  '  answer:',
  '    text: Toimitus kestää 2–4 päivää.',
  '    voice: Toimitus kestää kahdesta neljään päivää.',
  '',
].join('\n');

describe('studio NLU and FAQ editor', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'aspa-nlu-editor-'));
    mkdirSync(path.join(dir, 'fi'));
    writeFileSync(path.join(dir, 'fi', 'nlu.yaml'), NLU);
    writeFileSync(path.join(dir, 'fi', 'faq.yaml'), FAQ);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const editor = () => createNluEditor({ localesDir: dir, validate: () => [] });
  const nluFile = () => path.join(dir, 'fi', 'nlu.yaml');

  it('adds and removes example lines of an intent, leaving every other line as it was', async () => {
    const edit = { locale: 'fi' as const, intent: 'order_status', add: ['mis mun paketti: onko se jo tullu?'], remove: ['tilauksen tila'] };
    const preview = await editor().previewExamples(edit);
    expect(preview.diff.filter((line) => line.kind !== 'same')).toEqual([
      { kind: 'removed', line: 5, text: '    - tilauksen tila' },
      { kind: 'added', line: 5, text: '    - "mis mun paketti: onko se jo tullu?"' },
    ]);
    expect(readFileSync(nluFile(), 'utf8')).toBe(NLU);
    await editor().saveExamples(edit, preview.content);
    expect(readFileSync(nluFile(), 'utf8')).toBe(NLU.replace('    - tilauksen tila\n', '    - "mis mun paketti: onko se jo tullu?"\n'));
    expect(readdirSync(path.join(dir, 'fi')).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(loadNluData(dir, ['fi']).locales.fi?.intents.order_status).toEqual(['missä tilaukseni on', 'mis mun paketti: onko se jo tullu?']);

    // A one-line list stays one line.
    const flow = await editor().previewExamples({ locale: 'fi', intent: 'human_agent', add: ['oikea ihminen'], remove: ['ihminen'] });
    expect(flow.diff.filter((line) => line.kind !== 'same').map((line) => line.text)).toEqual(['  human_agent: [ihminen, asiakaspalvelija]', '  human_agent: [asiakaspalvelija, oikea ihminen]']);
  });

  it('edits an FAQ entry\'s questions and its answer in faq.yaml', async () => {
    const questions = await editor().previewExamples({ locale: 'fi', intent: 'faq.opening_hours', add: ['aukioloajat'], remove: [] });
    expect(questions.file).toBe(path.join(dir, 'fi', 'faq.yaml'));
    expect(questions.content).toBe(FAQ.replace('    - milloin olette auki\n', '    - milloin olette auki\n    - aukioloajat\n'));
    const answer = await editor().previewAnswer({ locale: 'fi', id: 'opening_hours', text: ['Olemme auki arkisin 8–17'], voice: [] });
    expect(answer.content).toBe(FAQ.replace('"Olemme auki 8–18"', '"Olemme auki arkisin 8–17"'));
    const spoken = await editor().previewAnswer({ locale: 'fi', id: 'delivery', text: ['Toimitus kestää 2–4 päivää.'], voice: ['Kahdesta neljään päivää.'] });
    expect(spoken.diff.filter((line) => line.kind !== 'same').map((line) => line.text)).toEqual([
      '    voice: Toimitus kestää kahdesta neljään päivää.', '    voice: "Kahdesta neljään päivää."',
    ]);
    await editor().saveAnswer({ locale: 'fi', id: 'opening_hours', text: ['Olemme auki arkisin 8–17'], voice: [] }, answer.content);
    expect(readFileSync(path.join(dir, 'fi', 'faq.yaml'), 'utf8')).toBe(answer.content);
  });

  it('refuses unknown intents and examples, duplicates, an empty list, and a change that would not validate', async () => {
    await expect(editor().previewExamples({ locale: 'fi', intent: 'nope', add: ['x'], remove: [] })).rejects.toMatchObject({ code: 'unknown_intent' });
    await expect(editor().previewExamples({ locale: 'fi', intent: 'order_status', add: [], remove: ['ei ole'] })).rejects.toMatchObject({ code: 'unknown_example' });
    await expect(editor().previewExamples({ locale: 'fi', intent: 'order_status', add: ['tilauksen tila'], remove: [] })).rejects.toMatchObject({ code: 'duplicate_example' });
    await expect(editor().previewExamples({ locale: 'fi', intent: 'order_status', add: [], remove: ['missä tilaukseni on', 'tilauksen tila'] })).rejects.toMatchObject({ code: 'invalid_example' });
    await expect(editor().previewExamples({ locale: 'fi', intent: 'order_status', add: ['kaksi\nriviä'], remove: [] })).rejects.toMatchObject({ code: 'invalid_example' });
    await expect(editor().previewAnswer({ locale: 'fi', id: 'nope', text: ['x'], voice: [] })).rejects.toMatchObject({ code: 'unknown_faq' });
    await expect(editor().previewAnswer({ locale: 'fi', id: 'delivery', text: [' '], voice: [] })).rejects.toMatchObject({ code: 'invalid_text' });

    const refusing = createNluEditor({ localesDir: dir, validate: (copy) => [{ file: path.join(copy, 'fi', 'nlu.yaml'), line: 3, column: 3, rule: 'nlu-data', severity: 'error', message: `${path.join(copy, 'fi', 'nlu.yaml')}: broken`, hint: 'fix it' }] });
    const edit = { locale: 'fi' as const, intent: 'order_status', add: ['uusi'], remove: [] };
    const preview = await refusing.previewExamples(edit);
    expect(preview.problems).toEqual([expect.objectContaining({ file: nluFile(), message: `${nluFile()}: broken` })]);
    await expect(refusing.saveExamples(edit, preview.content)).rejects.toMatchObject({ code: 'would_not_validate' });
    await expect(editor().saveExamples(edit, 'stale')).rejects.toMatchObject({ code: 'changed_since_preview' });
    expect(readFileSync(nluFile(), 'utf8')).toBe(NLU);
  });

  it('shows the intents and FAQ entries as the files say', () => {
    expect(editor().view('fi')).toEqual({
      intents: [{ intent: 'order_status', examples: ['missä tilaukseni on', 'tilauksen tila'] }, { intent: 'human_agent', examples: ['ihminen', 'asiakaspalvelija'] }],
      faq: [
        { id: 'opening_hours', questions: ['milloin olette auki'], answer: 'Olemme auki 8–18' },
        { id: 'delivery', questions: ['toimitusaika'], answer: { text: 'Toimitus kestää 2–4 päivää.', voice: 'Toimitus kestää kahdesta neljään päivää.' } },
      ],
    });
  });
});
