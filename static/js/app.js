// Hearth's progressive enhancements. Every page works without this file;
// with it, a few things happen in place. Served from /static (the CSP allows
// scripts from this origin only, never inline).
"use strict";

// The theme switch posts its form with fetch and switches the page in place
// (without it, the server sets the cookie and sends the browser back).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches(".theme-switch") || !event.submitter) return;
  event.preventDefault();
  const body = new URLSearchParams(new FormData(form, event.submitter));
  const theme = event.submitter.value;
  fetch(form.action, { method: "POST", body, redirect: "manual", credentials: "same-origin" })
    .then(() => {
      document.documentElement.dataset.theme = theme;
      const meta = document.querySelector('meta[name="color-scheme"]');
      if (meta) meta.content = theme === "system" ? "light dark" : theme;
      for (const b of form.querySelectorAll("button[name=theme]")) {
        b.setAttribute("aria-pressed", String(b.value === theme));
      }
    })
    .catch(() => form.submit());
});
