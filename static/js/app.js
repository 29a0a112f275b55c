// Hearth's progressive enhancements. Every page works without this file;
// with it, a few things happen in place. Served from /static (the CSP allows
// scripts from this origin only, never inline).
"use strict";

// The stylesheet's sign that this file runs: without it, a dialog's link
// shows the dialog in place instead (components.Dialog).
document.documentElement.classList.add("js");

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

// New-password fields: the strength meter (a bar whose length and colour
// follow data-score, and the verdict in words). The server rates the password
// (its policy is the one the form obeys on submit), a moment after the last
// keystroke; an answer to an older keystroke is dropped.
for (const box of document.querySelectorAll("[data-password-strength]")) {
  const input = document.getElementById(box.dataset.passwordStrength);
  if (!input || !input.form) continue;
  const text = box.querySelector("p");
  input.setAttribute("aria-describedby", [input.getAttribute("aria-describedby"), text.id].filter(Boolean).join(" "));
  let timer = 0;
  let asked = 0;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const mine = ++asked;
    if (input.value === "") {
      box.hidden = true;
      return;
    }
    timer = setTimeout(() => {
      const body = new URLSearchParams({ password: input.value });
      for (const name of ["email", "name"]) {
        const field = input.form.elements.namedItem(name);
        if (field && field.value) body.set(name, field.value);
      }
      fetch("/password/strength", { method: "POST", body, credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((r) => (r.ok ? r.json() : null))
        .then((s) => {
          if (!s || mine !== asked) return;
          box.hidden = false;
          box.dataset.score = String(s.score);
          text.textContent = s.message ? s.label + ". " + s.message : s.label + ".";
        })
        .catch(() => {});
    }, 300);
  });
}

// Dangerous forms ask in a dialog before they are sent: data-confirm holds
// the question, on the form or on the <option> chosen in it (a role change
// asks only when the role changes). Confirming adds confirmed=yes, which the
// server looks for; without this file it asks on a page of its own.
let confirmDialog = null;
let confirmQuestion = 0; // the question the dialog asks now; earlier ones are answered "no"
function askToConfirm(question, label) {
  if (!confirmDialog) {
    confirmDialog = document.createElement("dialog");
    confirmDialog.className = "dialog confirm-dialog";
    confirmDialog.dataset.testid = "confirm-dialog";
    const form = document.createElement("form");
    form.method = "dialog";
    const text = document.createElement("p");
    text.id = "confirm-dialog-text";
    confirmDialog.setAttribute("aria-labelledby", text.id);
    const actions = document.createElement("div");
    actions.className = "confirm-actions";
    const ok = document.createElement("button");
    ok.value = "confirm";
    ok.className = "btn btn-danger";
    ok.dataset.testid = "confirm-dialog-ok";
    const cancel = document.createElement("button");
    cancel.value = "cancel";
    cancel.className = "btn btn-secondary";
    cancel.textContent = "Cancel";
    actions.append(ok, cancel);
    form.append(text, actions);
    confirmDialog.append(form);
    document.body.append(confirmDialog);
  }
  confirmDialog.querySelector("p").textContent = question;
  confirmDialog.querySelector("[value=confirm]").textContent = label || "Confirm";
  confirmDialog.returnValue = "";
  const asked = ++confirmQuestion;
  return new Promise((resolve) => {
    // The browser tells of a closing later, as a task: the close of an
    // earlier question may come while this one is open. It is not this
    // question's answer.
    const onClose = () => {
      if (asked === confirmQuestion && confirmDialog.open) return;
      confirmDialog.removeEventListener("close", onClose);
      resolve(asked === confirmQuestion && confirmDialog.returnValue === "confirm");
    };
    confirmDialog.addEventListener("close", onClose);
    openDialog(confirmDialog, confirmDialog.querySelector("[value=cancel]")); // the safe choice is the one under Enter
  });
}

// openDialog shows a <dialog> as a modal, focus on focus (or on the first
// control, the browser's choice); closing it gives focus back to where it was.
function openDialog(dialog, focus) {
  dialog.showModal();
  if (focus) focus.focus();
}

// components.Dialog: its link opens it as a modal, its Close link closes
// it. (Without this file the link goes to the dialog, shown in place.) A
// page opened on a dialog's address opens with the dialog.
document.addEventListener("click", (event) => {
  const opener = event.target.closest("[data-dialog-open]");
  const dialog = opener && document.getElementById(opener.dataset.dialogOpen);
  if (dialog && dialog.showModal) {
    event.preventDefault();
    openDialog(dialog);
    return;
  }
  const closer = event.target.closest("[data-dialog-close]");
  if (closer && closer.closest("dialog[open]")) {
    event.preventDefault();
    closer.closest("dialog").close();
  }
});
(() => {
  const target = location.hash.length > 1 && document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (target && target.matches("dialog.dialog") && !target.open) openDialog(target);
})();
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.method === "dialog" || form.querySelector("input[name=confirmed]")) return;
  const source = form.dataset.confirm ? form : form.querySelector("option[data-confirm]:checked");
  if (!source) return;
  event.preventDefault();
  askToConfirm(source.dataset.confirm, source.dataset.confirmButton).then((ok) => {
    if (!ok) return;
    const confirmed = document.createElement("input");
    confirmed.type = "hidden";
    confirmed.name = "confirmed";
    confirmed.value = "yes";
    form.append(confirmed);
    form.submit();
  });
});

// The account menu and drop-down menus (components.Dropdown), <details>
// both, close on a click elsewhere and on Escape, as menus do.
const openMenus = "details.account-menu[open], details.dropdown[open]";
document.addEventListener("click", (event) => {
  for (const menu of document.querySelectorAll(openMenus)) {
    if (!menu.contains(event.target)) menu.open = false;
  }
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  for (const menu of document.querySelectorAll(openMenus)) {
    menu.open = false;
    menu.querySelector("summary").focus();
  }
});

// The browser's time zone, told to the server once (and again if it
// changes), so that the next pages show times in it.
(() => {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone || document.documentElement.dataset.timeZone === zone) return;
  fetch("/time-zone", { method: "POST", body: new URLSearchParams({ time_zone: zone }), credentials: "same-origin" }).catch(() => {});
})();
