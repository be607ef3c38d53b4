import { contactFromSlots, maskEmail, maskPhone, normalizeEmail, normalizePhone, normalizeWebUserId } from '../../src/core/normalize-contact';

describe('normalizePhone', () => {
  it.each([
    ['040 123 4567', '+358401234567'],
    ['+358 40 1234567', '+358401234567'],
    ['+358 (0)40 123 4567', '+358401234567'],
    ['+358 040 1234567', '+358401234567'],
    ['00358 40-123 4567', '+358401234567'],
    ['(09) 123 456', '+3589123456'],
    ['+46 70 123 45 67', '+46701234567'],
    ['358401234567', '358401234567'],
  ])('%s → %s', (raw, expected) => {
    expect(normalizePhone(raw)).toBe(expected);
  });

  it.each(['', 'abc', '112', '040 123 4567 ext', '+1234567890123456', '++358'])('rejects %p', (raw) => {
    expect(normalizePhone(raw)).toBeUndefined();
  });

  it('uses another default country for national numbers when asked', () => {
    expect(normalizePhone('070 123 45 67', '46')).toBe('+46701234567');
  });
});

describe('normalizeEmail', () => {
  it('trims and lower-cases', () => expect(normalizeEmail('  Matti.M@Example.FI ')).toBe('matti.m@example.fi'));
  it.each(['', 'matti', 'matti@', 'a b@c.fi', '@example.fi'])('rejects %p', (raw) => expect(normalizeEmail(raw)).toBeUndefined());
});

describe('normalizeWebUserId', () => {
  it('trims and rejects empty or huge ids', () => {
    expect(normalizeWebUserId(' w-1 ')).toBe('w-1');
    expect(normalizeWebUserId('  ')).toBeUndefined();
    expect(normalizeWebUserId('x'.repeat(201))).toBeUndefined();
  });
});

describe('contactFromSlots', () => {
  it('reads the phone and e-mail slots and the either-or contact slot, validated and canonical', () => {
    expect(contactFromSlots({ phone: '040 123 4567', email: ' Maija@Example.FI ' })).toEqual({ phone: '+358401234567', email: 'maija@example.fi' });
    expect(contactFromSlots({ contact: '050 123 9876' })).toEqual({ phone: '+358501239876' });
    expect(contactFromSlots({ contact: 'maija@example.fi' })).toEqual({ email: 'maija@example.fi' });
    // A dedicated slot wins over the either-or one; values that are no contact are ignored.
    expect(contactFromSlots({ callback_number: '+46 70 123 45 67', contact: '040 123 4567' })).toEqual({ phone: '+46701234567' });
    expect(contactFromSlots({ phone: 'soittakaa', contact: 'a@b', email: null })).toEqual({});
    expect(contactFromSlots(undefined)).toEqual({});
  });
});

describe('masking for lists', () => {
  it.each([
    ['+358501239876', '050 *** **76'],
    ['+358401234567', '040 *** **67'],
    ['+46701234567', '+467 *** ***67'],
  ])('%s → %s', (phone, masked) => {
    expect(maskPhone(phone)).toBe(masked);
  });

  it('keeps the first letter and the domain of an e-mail address', () => {
    expect(maskEmail('matti.virtanen@example.com')).toBe('m***@example.com');
    expect(maskEmail('nonsense')).toBe('***');
  });
});
