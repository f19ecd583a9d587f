// Start page until the single-page app lands: shows whether the API answers.
(async () => {
  const el = document.getElementById('health');
  try {
    const res = await fetch('/api/health');
    const body = await res.json();
    el.textContent = body.success
      ? `API ${body.data.version} is up (store: ${body.data.store.driver}).`
      : `API answered: ${body.message}`;
    el.className = 'status ' + (body.success ? 'ok' : 'down');
  } catch (err) {
    el.textContent = 'The API cannot be reached.';
    el.className = 'status down';
  }
})();
