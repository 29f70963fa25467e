// Start GOV.UK Frontend's components. The script tag names the library's address
// (it carries a hash in production), so this file needs no build step.
const script = document.querySelector("script[data-govuk-frontend]");
if (script) {
  const { initAll } = await import(script.dataset.govukFrontend);
  initAll();
}
