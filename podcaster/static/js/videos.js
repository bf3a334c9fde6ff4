// Click-to-load video embeds: nothing is fetched from YouTube's player until the visitor asks.
// Without JavaScript the thumbnail simply links to the video on YouTube.
// A thumbnail that cannot load (offline, blocked) is hidden, so its placeholder with the title shows.
document.querySelectorAll(".video-thumb img").forEach((img) => {
  const fail = () => img.classList.add("failed");
  if (img.complete && img.naturalWidth === 0 && img.currentSrc) {
    fail();
  } else {
    img.addEventListener("error", fail, { once: true });
  }
});

document.querySelectorAll("figure.video[data-embed]").forEach((figure) => {
  const button = figure.querySelector(".video-play");
  if (!button) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", () => {
    const frame = document.createElement("iframe");
    frame.src = figure.dataset.embed + "?autoplay=1";
    frame.title = figure.dataset.title || "Video";
    frame.className = "video-embed";
    frame.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
    frame.referrerPolicy = "strict-origin-when-cross-origin";
    frame.loading = "lazy";
    const thumb = figure.querySelector(".video-thumb");
    if (thumb) {
      thumb.replaceWith(frame);
    } else {
      figure.prepend(frame);
    }
    button.remove();
    frame.focus();
  });
});
