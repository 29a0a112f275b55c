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

// Password fields: the show/hide toggle (a button hidden without this file).
// The button's name stays "Show password"; aria-pressed says whether the
// password is shown.
for (const button of document.querySelectorAll("[data-password-toggle]")) {
  const input = document.getElementById(button.getAttribute("aria-controls"));
  if (!input) continue;
  button.hidden = false;
  button.addEventListener("click", () => {
    const show = input.type === "password";
    input.type = show ? "text" : "password";
    button.setAttribute("aria-pressed", String(show));
  });
}
// A form never sends its password while it is shown as text: browsers and
// password managers treat a type=password field differently when saving.
document.addEventListener("submit", (event) => {
  for (const button of event.target.querySelectorAll("[data-password-toggle][aria-pressed=true]")) {
    const input = document.getElementById(button.getAttribute("aria-controls"));
    if (input) input.type = "password";
    button.setAttribute("aria-pressed", "false");
  }
});
