import { join } from 'node:path';
import { loadNluData, NluDataError } from '../../src/nlu/load-nlu-data';
import { writeLocales } from './nlu-fixtures';

describe('loadNluData', () => {
  test('reads intents, FAQ intents, list entities, oos and sentiment', () => {
    const data = loadNluData(writeLocales(), ['fi', 'en']);
    const fi = data.locales.fi!;
    expect(fi.intents.order_status).toContain('missä tilaukseni on');
    expect(fi.intents['faq.opening_hours']).toContain('aukioloajat');
    expect(fi.entities.product).toEqual([{ value: 'router', synonyms: ['reititin', 'modeemi'] }]);
    expect(fi.oos).toHaveLength(4);
    expect(fi.sentiment.negations).toEqual(['en', 'ei']);
    expect(data.locales.en?.intents.human_agent).toHaveLength(6);
    expect(data.locales.sv).toBeUndefined();
  });

  test.each([
    ['fi/nlu.yaml', 'intents:\n  order_status:\n    - a\n  Bad-Name:\n    - b\n', 4, /intent name "Bad-Name"/],
    ['fi/nlu.yaml', 'intents:\n  order_status: just text\n', 2, /must be a list/],
    ['fi/nlu.yaml', 'intents:\n  order_status:\n    - ok\n    - ""\n', 4, /non-empty phrase/],
    ['fi/nlu.yaml', 'intents:\n  a:\n    - x\nextra: 1\n', 4, /unknown key "extra"/],
    ['fi/nlu.yaml', 'intents:\n  a: [x\n', undefined, /not valid YAML/],
    ['fi/faq.yaml', '- id: ok\n  questions: [a]\n- id: Bad Id\n  questions: [b]\n', 3, /FAQ entry needs an id/],
    ['fi/faq.yaml', '- id: no_questions\n  answer: x\n', 1, /needs questions/],
    ['fi/sentiment.yaml', 'positive:\n  hyvä: 0.5\n  paha: lots\n', 3, /weight between 0 and 3/],
    ['fi/nlu.yaml', 'intents:\n  a:\n    - x\nentities:\n  product:\n    - value: 5\n', 6, /each item needs value/],
    ['fi/conversation.yaml', 'synonyms:\n  netti: [laajakaista]\n  two words: [kuitu]\n', 3, /"two words" must be one word/],
    ['fi/conversation.yaml', 'synonyms:\n  netti: [laajakaista, nyt]\n', 2, /"nyt" must be one word of four or more letters/],
    ['fi/conversation.yaml', 'synonyms: [netti]\n', 1, /synonyms must map a word/],
  ])('%s with a problem names file and line (%#)', (file, content, line, message) => {
    const dir = writeLocales({ [file]: content });
    let caught: unknown;
    try {
      loadNluData(dir, ['fi']);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NluDataError);
    const error = caught as NluDataError;
    expect(error.file).toBe(join(dir, file));
    if (line !== undefined) expect(error.line).toBe(line);
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(join(dir, file))).toBe(true);
  });

  test('a missing nlu.yaml is an error that says what is missing', () => {
    const dir = writeLocales();
    expect(() => loadNluData(join(dir, 'nowhere'), ['fi'])).toThrow(/nlu\.yaml: missing/);
  });
});
