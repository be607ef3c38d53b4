/** A parsed TwiML element. */
export interface TwimlNode {
  name: string;
  attributes: Record<string, string>;
  text: string;
  children: TwimlNode[];
}

function unescape(value: string): string {
  return value.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/** A small XML reader for TwiML (elements, attributes, text); enough to assert on responses. */
export function parseTwiml(xml: string): TwimlNode {
  const root: TwimlNode = { name: '#document', attributes: {}, text: '', children: [] };
  const stack: TwimlNode[] = [root];
  const token = /<\?[^>]*\?>|<\/([\w:-]+)\s*>|<([\w:-]+)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>|([^<]+)/g;
  let match: RegExpExecArray | null;
  while ((match = token.exec(xml)) !== null) {
    const [, closing, opening, attributeText, selfClosing, text] = match;
    const top = stack[stack.length - 1];
    if (closing) {
      if (top.name !== closing) throw new Error(`TwiML: </${closing}> closes <${top.name}>`);
      stack.pop();
    } else if (opening) {
      const attributes: Record<string, string> = {};
      for (const attribute of (attributeText ?? '').matchAll(/([\w:-]+)="([^"]*)"/g)) attributes[attribute[1]] = unescape(attribute[2]);
      const node: TwimlNode = { name: opening, attributes, text: '', children: [] };
      top.children.push(node);
      if (!selfClosing) stack.push(node);
    } else if (text) {
      top.text += unescape(text);
    }
  }
  if (stack.length !== 1) throw new Error('TwiML: unclosed element');
  const response = root.children[0];
  if (!response || response.name !== 'Response') throw new Error('TwiML: no <Response>');
  return response;
}

/** Every element with this name, depth first. */
export function findAll(node: TwimlNode, name: string): TwimlNode[] {
  const found: TwimlNode[] = [];
  const visit = (current: TwimlNode) => {
    if (current.name === name) found.push(current);
    current.children.forEach(visit);
  };
  visit(node);
  return found;
}

export function find(node: TwimlNode, name: string): TwimlNode {
  const [first] = findAll(node, name);
  if (!first) throw new Error(`TwiML has no <${name}>`);
  return first;
}

/** All spoken text, in order. */
export function spokenText(node: TwimlNode): string {
  return findAll(node, 'Say').map((say) => say.text).join(' ');
}
