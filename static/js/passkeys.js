// Passkeys (WebAuthn): "Add a passkey" on /account/security, "Sign in with
// a passkey" and the email field's passkey autofill on /login, and "Confirm
// with a passkey" in the forms of an account without a password. The buttons
// are hidden in the markup and shown here only where the browser has
// WebAuthn; the pages work without this file. The JSON endpoints under
// /webauthn/ are same-origin POSTs: fetch sends the Origin and
// Sec-Fetch-Site headers the server's cross-origin check reads.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) {
    return; // the buttons stay hidden, the "not supported" notes shown
  }

  function decode(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) {
      s += "=";
    }
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) {
      out[i] = bin.charCodeAt(i);
    }
    return out.buffer;
  }

  function encode(buf) {
    var bytes = new Uint8Array(buf);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) {
      bin += String.fromCharCode(bytes[i]);
    }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body || {})
    }).then(function (res) {
      return res.json().catch(function () { return null; }).then(function (data) {
        if (!res.ok) {
          throw new Error((data && data.detail) || "Something went wrong. Please try again.");
        }
        return data;
      });
    });
  }

  function descriptors(list) {
    (list || []).forEach(function (c) { c.id = decode(c.id); });
    return list;
  }

  function creationOptions(o) {
    var pk = o.publicKey;
    pk.challenge = decode(pk.challenge);
    pk.user.id = decode(pk.user.id);
    descriptors(pk.excludeCredentials);
    return pk;
  }

  function requestOptions(o) {
    var pk = o.publicKey;
    pk.challenge = decode(pk.challenge);
    descriptors(pk.allowCredentials);
    return pk;
  }

  function attestationJSON(cred) {
    var r = cred.response;
    return {
      id: cred.id, rawId: encode(cred.rawId), type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
      response: {
        clientDataJSON: encode(r.clientDataJSON),
        attestationObject: encode(r.attestationObject),
        transports: r.getTransports ? r.getTransports() : []
      },
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {}
    };
  }

  function assertionJSON(cred) {
    var r = cred.response;
    return {
      id: cred.id, rawId: encode(cred.rawId), type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
      response: {
        clientDataJSON: encode(r.clientDataJSON),
        authenticatorData: encode(r.authenticatorData),
        signature: encode(r.signature),
        userHandle: r.userHandle ? encode(r.userHandle) : undefined
      },
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {}
    };
  }

  // message is what to tell the user about a failed ceremony.
  function message(err, cancelled) {
    if (err && err.name === "NotAllowedError") {
      return cancelled;
    }
    if (err && err.name === "InvalidStateError") {
      return "This device already holds a passkey for your account.";
    }
    return (err && err.message) || "Something went wrong. Please try again.";
  }

  // go opens the page the server sent to: reloaded when it is this one
  // (a new fragment alone would not load the new list).
  function go(to) {
    var u = new URL(to, window.location.href);
    if (u.pathname === window.location.pathname && u.search === window.location.search) {
      window.location.hash = u.hash;
      window.location.reload();
      return;
    }
    window.location.assign(u.href);
  }

  function show(el, text) {
    if (el) {
      el.textContent = text;
      el.hidden = false;
    }
  }

  document.querySelectorAll("[data-passkey-unsupported]").forEach(function (el) { el.hidden = true; });

  // The security page: register a passkey on this device.
  var reg = document.querySelector("[data-passkey-register]");
  if (reg) {
    reg.hidden = false;
    var addButton = reg.querySelector("[data-passkey-add]");
    var addError = reg.querySelector("[data-passkey-error]");
    addButton.addEventListener("click", function () {
      addError.hidden = true;
      addButton.disabled = true;
      var fields = {}; // the name, and the password or code that confirms it is you
      reg.querySelectorAll("input[name]").forEach(function (input) { fields[input.name] = input.value; });
      post("/webauthn/register/begin", fields)
        .then(function (o) { return navigator.credentials.create({ publicKey: creationOptions(o) }); })
        .then(function (cred) { return post("/webauthn/register/finish", attestationJSON(cred)); })
        .then(function (done) { go(done.redirect); })
        .catch(function (err) {
          show(addError, message(err, "No passkey was added: the request was cancelled or timed out."));
          addButton.disabled = false;
        });
    });
  }

  // A form of an account without a password: confirm with a passkey in
  // place of the password, then send the form.
  document.querySelectorAll("[data-passkey-confirm]").forEach(function (box) {
    var form = box.closest("form");
    var button = box.querySelector("[data-passkey-confirm-button]");
    var error = box.querySelector("[data-passkey-error]");
    if (!form || !button) {
      return;
    }
    box.hidden = false;
    button.addEventListener("click", function () {
      error.hidden = true;
      button.disabled = true;
      post("/webauthn/confirm/begin")
        .then(function (o) { return navigator.credentials.get({ publicKey: requestOptions(o) }); })
        .then(function (cred) { return post("/webauthn/confirm/finish", assertionJSON(cred)); })
        .then(function () {
          if (form.requestSubmit) {
            form.requestSubmit();
          } else {
            form.submit();
          }
        })
        .catch(function (err) {
          show(error, message(err, "Nothing was confirmed: the request was cancelled or timed out."));
          button.disabled = false;
        });
    });
  });

  // The sign-in page: a passkey from the button, or from the email
  // field's autofill (conditional mediation) where the browser offers it.
  var login = document.querySelector("[data-passkey-login]");
  if (login) {
    login.hidden = false;
    var signInButton = login.querySelector("[data-passkey-signin]");
    var signInError = login.querySelector("[data-passkey-error]");
    var next = login.getAttribute("data-next") || "";
    var pending = null; // the autofill request's AbortController

    var signIn = function (conditional) {
      return post("/webauthn/login/begin").then(function (o) {
        var req = { publicKey: requestOptions(o) };
        if (conditional) {
          pending = new AbortController();
          req.mediation = "conditional";
          req.signal = pending.signal;
        }
        return navigator.credentials.get(req);
      }).then(function (cred) {
        var url = "/webauthn/login/finish" + (next ? "?next=" + encodeURIComponent(next) : "");
        return post(url, assertionJSON(cred));
      }).then(function (done) { go(done.redirect); });
    };

    var autofill = function () {
      if (!PublicKeyCredential.isConditionalMediationAvailable) {
        return;
      }
      PublicKeyCredential.isConditionalMediationAvailable().then(function (ok) {
        if (!ok) {
          return;
        }
        signIn(true).catch(function (err) {
          if (err && err.name !== "AbortError") {
            show(signInError, message(err, "Signing in with a passkey was cancelled."));
          }
        });
      });
    };

    signInButton.addEventListener("click", function () {
      if (pending) {
        pending.abort();
        pending = null;
      }
      signInError.hidden = true;
      signInButton.disabled = true;
      signIn(false).catch(function (err) {
        show(signInError, message(err, "Signing in with a passkey was cancelled or timed out."));
        signInButton.disabled = false;
        autofill();
      });
    });
    autofill();
  }
})();
