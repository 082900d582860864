const XML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  // A literal CR would be normalised to LF by any XML parser, so it travels as a character reference.
  '\r': '&#13;',
};

/** Escapes text for use in XML content or attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\r]/g, (char) => XML_ESCAPES[char] ?? char);
}

/** Renders an element whose content is already-rendered XML (children). */
export function element(name: string, children = ''): string {
  return children === '' ? `<${name}/>` : `<${name}>${children}</${name}>`;
}

/** Renders an element holding escaped text, or nothing when the value is undefined. */
export function textElement(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${name}>${escapeXml(String(value))}</${name}>`;
}
