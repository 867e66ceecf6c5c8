// A small typed DOM helper: a tab names the elements it uses once, with their types, and gets them checked and
// typed in one object. The key is the element id in camelCase (`segmentStatus` is #segment-status).
type ElementClass<T extends Element = Element> = { new (): T; prototype: T };

const idOf = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The elements `spec` names under `root`, each checked to exist and to be of its class. */
export function elements<S extends Record<string, ElementClass>>(root: ParentNode, spec: S): { [K in keyof S]: S[K]['prototype'] } {
  const out: Record<string, Element> = {};
  for (const [key, cls] of Object.entries(spec)) {
    const id = idOf(key);
    const el = root.querySelector(`#${id}`);
    if (!el) throw new Error(`page element #${id} missing`);
    if (!(el instanceof cls)) throw new Error(`page element #${id} is a <${(el as Element).tagName.toLowerCase()}>, not a ${cls.name}`);
    out[key] = el;
  }
  return out as { [K in keyof S]: S[K]['prototype'] };
}

/** A status line: text, marked as an error when it is one. */
export function setStatus(el: HTMLElement, text: string, error = false): void {
  el.textContent = text;
  el.classList.toggle('error', error);
}

export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Files dropped on `el` (a dropped folder is walked recursively by `read`). */
export function dropZone(el: HTMLElement, read: (dt: DataTransfer | null) => Promise<File[]>, onFiles: (files: File[]) => void): void {
  el.addEventListener('dragover', (e) => {
    e.preventDefault();
    el.classList.add('over');
  });
  el.addEventListener('dragleave', () => el.classList.remove('over'));
  el.addEventListener('drop', (e) => {
    e.preventDefault();
    el.classList.remove('over');
    void read(e.dataTransfer).then(onFiles);
  });
}
