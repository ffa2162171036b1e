/**
 * An element with a class and its content (text or nodes): how the widget builds entries, with
 * DOM calls only, so network strings only ever become text. One helper keeps /widget.js small.
 */
export function el<K extends keyof HTMLElementTagNameMap>(
  doc: Document,
  tag: K,
  className: string,
  ...content: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = doc.createElement(tag);
  if (className !== "") node.className = className;
  node.append(...content);
  return node;
}
