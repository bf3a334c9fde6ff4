// "Preview" buttons under Markdown text areas: the server renders and sanitises the text
// exactly as the public pages will, so what the author sees is what readers get.
(function () {
  "use strict";

  function attach(area) {
    if (area.dataset.previewReady) return;
    area.dataset.previewReady = "yes";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "preview-button";
    button.textContent = "Preview";
    button.setAttribute("aria-controls", area.id + "-preview");
    const output = document.createElement("div");
    output.className = "prose markdown-preview";
    output.id = area.id + "-preview";
    output.hidden = true;
    output.setAttribute("aria-live", "polite");
    area.after(button, output);

    button.addEventListener("click", async () => {
      const token = area.form && area.form.querySelector("input[name=csrf_token]");
      const body = new FormData();
      body.append("csrf_token", token ? token.value : "");
      body.append("text", area.value);
      output.hidden = false;
      try {
        const response = await fetch(area.dataset.previewUrl, { method: "POST", body, credentials: "same-origin" });
        if (!response.ok) {
          throw new Error(`status ${response.status}`);
        }
        // Sanitised by the server (nh3 allow-list), like every rendered page.
        output.innerHTML = await response.text();
      } catch (error) {
        output.textContent = `The preview could not be loaded (${error.message}).`;
      }
    });
  }

  function setup(root) {
    root.querySelectorAll("textarea[data-preview-url]").forEach(attach);
  }

  setup(document);
  // upload.js swaps in the form the server sent back after a refusal.
  document.addEventListener("podcaster:form-replaced", (event) => setup(event.target));
})();
