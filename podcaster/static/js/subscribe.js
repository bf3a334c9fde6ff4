// Subscribe buttons: copy the feed address, and keep app deep links to the devices that have the app.
// Without JavaScript the RSS link and every app link stay as plain links (each names its platforms).
(function () {
  const ua = navigator.userAgent || "";
  const platform = /android/i.test(ua) ? "android"
    : /iphone|ipad|ipod/i.test(ua) || (/macintosh/i.test(ua) && navigator.maxTouchPoints > 1) ? "ios"
    : /macintosh|mac os x/i.test(ua) ? "macos" : "other";
  document.querySelectorAll(".subscribe-apps [data-platforms]").forEach((item) => {
    if (!item.dataset.platforms.split(" ").includes(platform)) {
      item.hidden = true;
    }
  });

  function copyText(input) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(input.value);
    }
    // Plain http (not localhost) has no clipboard API: the older selection copy still works there.
    input.select();
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  document.querySelectorAll(".copy-button[data-copy-target]").forEach((button) => {
    const input = document.getElementById(button.dataset.copyTarget);
    const status = button.parentElement.querySelector(".copy-status");
    if (!input) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", () => {
      copyText(input).then(
        () => { if (status) { status.textContent = "Copied the feed address."; } },
        () => {
          input.select();
          if (status) { status.textContent = "Press Ctrl+C (or ⌘C) to copy the selected address."; }
        },
      );
    });
  });
})();
