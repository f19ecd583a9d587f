// A minimal hook renderer on react-dom (act from React), so hooks run as in the app.
import { createElement } from 'react';
import { act } from 'react';
import { createRoot } from 'react-dom/client';

globalThis.IS_REACT_ACT_ENVIRONMENT = true;

export function renderHook(useHook, { wrapper, initialProps } = {}) {
  const result = { current: undefined };
  function Probe({ hookProps }) { result.current = useHook(hookProps); return null; }
  const el = document.createElement('div');
  document.body.appendChild(el);
  const root = createRoot(el);
  const draw = (props) => {
    const probe = createElement(Probe, { hookProps: props });
    root.render(wrapper ? createElement(wrapper, null, probe) : probe);
  };
  act(() => draw(initialProps));
  return {
    result,
    rerender: (props) => act(() => draw(props)),
    unmount: () => act(() => root.unmount()),
    container: el,
  };
}

export async function flush(ms = 0) {
  await act(async () => { await new Promise((r) => setTimeout(r, ms)); });
}
