// Episode pages: chapter links seek the player instead of reloading the page.
(function () {
  "use strict";
  document.addEventListener("click", (event) => {
    const link = event.target.closest("[data-seek]");
    if (!link) return;
    const player = document.getElementById(link.dataset.player || "episode-player");
    if (!player) return;
    event.preventDefault();
    player.currentTime = Number(link.dataset.seek);
    player.play().catch(() => {});
  });
})();
