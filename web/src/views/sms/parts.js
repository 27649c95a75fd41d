// How many SMS parts a text costs: the same rule as services/sms/domain/segments.py (printable ASCII: 160
// characters in one part, 153 a part when split; anything else, Chinese always, UCS-2: 70 UTF-16 units in
// one part, 67 a part, never splitting a surrogate pair).
export const SIGNATURE_MAX = 12

export function partsOf(text) {
  const ascii = [...text].every((c) => (c >= ' ' && c <= '~') || c === '\n' || c === '\r')
  if (ascii) return text.length <= 160 ? 1 : Math.ceil(text.length / 153)
  if (text.length <= 70) return 1
  let parts = 0
  let start = 0
  while (start < text.length) {
    let end = Math.min(start + 67, text.length)
    const last = text.charCodeAt(end - 1)
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1
    parts += 1
    start = end
  }
  return parts
}

/** The template's text with the values filled in (an empty value shows as its ${name}). */
export function render(text, values) {
  return text.replace(/\$\{([a-z][a-z0-9_]*)\}/g, (whole, name) => (values[name] || '').trim() || whole)
}

/** The region's signature as the org's earlier sends show it (each send's text starts with it), or ''. */
export function signatureFrom(sends) {
  for (const s of sends) {
    const found = /^\u3010([^\u3011]{1,20})\u3011/.exec(s.text || '')
    if (found) return found[1]
  }
  return ''
}
