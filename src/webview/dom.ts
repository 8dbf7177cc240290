// DOM building with text only: nothing here ever assigns innerHTML, so workspace strings stay text.

type Child = Node | string | undefined | false;

export interface ElementProps {
  className?: string;
  text?: string;
  title?: string;
  attrs?: Record<string, string>;
  on?: { [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void };
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: ElementProps = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  if (props.title !== undefined) node.title = props.title;
  for (const [name, value] of Object.entries(props.attrs ?? {})) node.setAttribute(name, value);
  for (const [name, handler] of Object.entries(props.on ?? {})) node.addEventListener(name, handler as EventListener);
  for (const child of children) {
    if (child === undefined || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

export function clear(node: Element): void {
  node.replaceChildren();
}

export function button(label: string, onClick: () => void, className = 'button', title?: string): HTMLButtonElement {
  return el('button', { className, text: label, title, attrs: { type: 'button' }, on: { click: () => onClick() } });
}

/** A labelled <select>; `onChange` receives the chosen value. */
export function select(label: string, options: { value: string; label: string }[], current: string, onChange: (value: string) => void): HTMLLabelElement {
  const control = el('select', { attrs: { 'aria-label': label }, on: { change: () => onChange(control.value) } });
  for (const option of options) {
    const node = el('option', { text: option.label, attrs: { value: option.value } });
    if (option.value === current) node.selected = true;
    control.append(node);
  }
  return el('label', { className: 'control' }, el('span', { text: label }), control);
}

export function checkbox(label: string, checked: boolean, onChange: (checked: boolean) => void): HTMLLabelElement {
  const input = el('input', { attrs: { type: 'checkbox' }, on: { change: () => onChange(input.checked) } });
  input.checked = checked;
  return el('label', { className: 'control' }, input, el('span', { text: label }));
}
