// Upload forms with a progress bar, drag and drop, and the server's verdict shown in place.
//
// A form opts in with data-upload="progress". Its file inputs may carry data-max-bytes.
// The form is sent with XMLHttpRequest so upload progress can be shown; when the server
// answers with the form again (a 4xx with errors), that form replaces this one, keeping
// every field the author typed, and the first error gets the focus.
(function () {
  "use strict";

  function formatBytes(bytes) {
    // Binary units, as the server's messages and the operating system's file dialogs give them.
    const units = ["bytes", "KiB", "MiB", "GiB"];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit += 1;
    }
    return (unit === 0 ? value : value.toFixed(1)) + " " + units[unit];
  }

  function statusBox(form) {
    let box = form.querySelector(".upload-status");
    if (!box) {
      box = document.createElement("div");
      box.className = "upload-status";
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      const bar = document.createElement("progress");
      bar.max = 100;
      bar.value = 0;
      bar.id = form.id ? form.id + "-progress" : "upload-progress";
      const label = document.createElement("label");
      label.htmlFor = bar.id;
      label.textContent = "Upload progress";
      const text = document.createElement("span");
      text.className = "upload-text";
      box.append(label, bar, text);
      form.append(box);
    }
    return box;
  }

  function tooLarge(form) {
    for (const input of form.querySelectorAll("input[type=file][data-max-bytes]")) {
      const limit = Number(input.dataset.maxBytes);
      for (const file of input.files) {
        if (file.size > limit) {
          return file.name + " is " + formatBytes(file.size) + "; the limit is " + formatBytes(limit) + ".";
        }
      }
    }
    return null;
  }

  function showError(form, message) {
    const box = statusBox(form);
    box.querySelector(".upload-text").textContent = message;
    box.classList.add("error");
  }

  function replaceForm(form, html) {
    const doc = new DOMParser().parseFromString(html, "text/html");
    const fresh = (form.id && doc.getElementById(form.id)) || doc.querySelector("form[data-upload]");
    if (!fresh) {
      showError(form, "The server refused the upload.");
      return;
    }
    const flashes = doc.querySelector(".flashes");
    const oldFlashes = document.querySelector(".flashes");
    if (oldFlashes) oldFlashes.remove();
    if (flashes) form.before(flashes);
    form.replaceWith(fresh);
    setup(fresh);
    // Other scripts (previews, row editors) set up the new form's parts.
    fresh.dispatchEvent(new CustomEvent("podcaster:form-replaced", { bubbles: true }));
    const firstError = fresh.querySelector(".has-error input, .has-error select, .has-error textarea");
    (firstError || fresh).focus();
  }

  function send(form, event) {
    event.preventDefault();
    const problem = tooLarge(form);
    if (problem) {
      showError(form, problem);
      return;
    }
    const box = statusBox(form);
    box.classList.remove("error");
    const bar = box.querySelector("progress");
    const text = box.querySelector(".upload-text");
    const submit = form.querySelector("[type=submit]");
    if (submit) submit.disabled = true;

    const request = new XMLHttpRequest();
    request.open(form.method || "POST", form.action || window.location.href);
    request.upload.addEventListener("progress", (progress) => {
      if (!progress.lengthComputable) return;
      const percent = Math.floor((progress.loaded / progress.total) * 100);
      bar.value = percent;
      text.textContent = formatBytes(progress.loaded) + " of " + formatBytes(progress.total) + " (" + percent + " %)";
    });
    request.upload.addEventListener("load", () => {
      bar.value = 100;
      text.textContent = "Uploaded (100 %). Checking the file…";
    });
    request.addEventListener("load", () => {
      if (submit) submit.disabled = false;
      if (request.status < 400) {
        // The request followed the server's redirect already: show that page as it came
        // (navigating again would lose its one-time messages, such as what was detected).
        window.history.replaceState(null, "", request.responseURL);
        document.open();
        document.write(request.responseText);
        document.close();
      } else if (request.status === 413) {
        showError(form, "The file is larger than this site accepts.");
      } else {
        replaceForm(form, request.responseText);
      }
    });
    request.addEventListener("error", () => {
      if (submit) submit.disabled = false;
      showError(form, "The upload failed: the connection was lost. Please try again.");
    });
    request.send(new FormData(form));
  }

  function setupDropZone(input) {
    const zone = input.closest(".field") || input.parentElement;
    zone.classList.add("dropzone");
    zone.addEventListener("dragover", (event) => {
      event.preventDefault();
      zone.classList.add("dragging");
    });
    zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      zone.classList.remove("dragging");
      if (event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }

  function setup(form) {
    form.addEventListener("submit", (event) => send(form, event));
    form.querySelectorAll("input[type=file]").forEach(setupDropZone);
  }

  document.querySelectorAll("form[data-upload]").forEach(setup);
})();
