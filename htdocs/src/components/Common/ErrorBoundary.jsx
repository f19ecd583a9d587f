import { Component } from 'react';

export default class ErrorBoundary extends Component {
  constructor(props) {
    super(props);
    this.state = { error: null };
  }

  static getDerivedStateFromError(error) {
    return { error };
  }

  componentDidCatch(error, info) {
    // eslint-disable-next-line no-console
    console.error('Skill Barter screen failed:', error, info?.componentStack);
  }

  render() {
    if (!this.state.error) return this.props.children;
    return (
      <div role="alert" className="mx-auto max-w-xl p-8 text-center" data-testid="error-boundary">
        <h1 className="text-xl font-semibold text-slate-900">Something went wrong on this screen.</h1>
        <p className="mt-2 text-sm text-slate-700">{String(this.state.error?.message || this.state.error)}</p>
        <button type="button" className="btn-primary mt-4" onClick={() => this.setState({ error: null })}>Try again</button>
      </div>
    );
  }
}
