// The error boundary: a screen that throws shows the message instead of a blank page, and
// "Try again" renders the children again.
import { describe, it, expect, vi } from 'vitest';
import { act, createElement } from 'react';
import { createRoot } from 'react-dom/client';
import ErrorBoundary from '../src/components/Common/ErrorBoundary.jsx';

globalThis.IS_REACT_ACT_ENVIRONMENT = true;

describe('ErrorBoundary', () => {
  it('catches a render error and recovers on "Try again"', () => {
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    let broken = true;
    function Screen() {
      if (broken) throw new Error('the screen broke');
      return createElement('p', null, 'all good');
    }
    const el = document.createElement('div');
    document.body.appendChild(el);
    const root = createRoot(el);
    act(() => root.render(createElement(ErrorBoundary, null, createElement(Screen))));
    expect(el.querySelector('[data-testid=error-boundary]').textContent).toContain('the screen broke');
    broken = false;
    act(() => el.querySelector('button').dispatchEvent(new MouseEvent('click', { bubbles: true })));
    expect(el.textContent).toBe('all good');
    act(() => root.unmount());
    quiet.mockRestore();
  });
});
