// Passkeys (WebAuthn): a form with data-passkey="create" or "get" fetches its options from
// data-options, lets the browser make or use the passkey, and posts the answer as JSON in its
// hidden "credential" field. Messages are in the page, in the reader's language.
(function () {
  "use strict";

  async function answer(form) {
    const token = form.querySelector("input[name=csrf_token]");
    const response = await fetch(form.dataset.options, {
      method: "POST",
      credentials: "same-origin",
      headers: token ? { "X-CSRFToken": token.value } : {},
    });
    if (!response.ok) {
      throw new Error("options: " + response.status);
    }
    const options = await response.json();
    if (form.dataset.passkey === "create") {
      const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options);
      return navigator.credentials.create({ publicKey });
    }
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options);
    return navigator.credentials.get({ publicKey });
  }

  document.querySelectorAll("form[data-passkey]").forEach(function (form) {
    const status = form.querySelector("[data-passkey-status]");
    const credential = form.querySelector("input[name=credential]");
    if (!window.PublicKeyCredential || !PublicKeyCredential.parseCreationOptionsFromJSON) {
      status.hidden = false;
      return;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      status.hidden = true;
      answer(form)
        .then(function (made) {
          credential.value = JSON.stringify(made.toJSON());
          form.submit();
        })
        .catch(function () {
          status.hidden = false;
        });
    });
    // The button starts disabled: a click before this handler exists would post the form
    // without a passkey.
    form.querySelector("button[type=submit]").disabled = false;
  });
})();
