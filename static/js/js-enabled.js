// Tell GOV.UK Frontend's styles that JavaScript runs, before the page is drawn.
// A classic script (not a module) at the top of <body>, so it runs at once.
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
