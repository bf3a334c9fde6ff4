// Episode players (templates/public/_player.html). Without JavaScript each is the browser's own
// <audio controls>; this script shows the player's controls instead: play/pause, skip back 15 s and
// forward 30 s, speed, a timeline with the chapter marks, the current chapter, keyboard control,
// "#t=12:34" links, and the position remembered per episode in localStorage. It also makes chapter
// links and transcript cues seek, the transcript follow the audio, and runs the share dialog.
(function () {
  "use strict";
  const SPEEDS = [0.75, 1, 1.25, 1.5, 1.75, 2];
  const BACK = 15;
  const FORWARD = 30;
  const POSITION_PREFIX = "podcaster:position:";
  // A position is saved at most this often while playing (and on every pause).
  const SAVE_EVERY = 5;
  const players = new Map();

  function clock(seconds) {
    const total = Math.max(0, Math.floor(seconds || 0));
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const secs = String(total % 60).padStart(2, "0");
    return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${secs}` : `${minutes}:${secs}`;
  }

  // "75", "1:15", "1:02:03", "12:34.5" or "1h2m3s": seconds, or null.
  function parseTime(text) {
    const value = String(text || "").trim();
    let match = value.match(/^(?:(\d+):)?(?:(\d+):)?(\d+(?:\.\d+)?)$/);
    if (match) {
      const parts = value.split(":").map(Number);
      return parts.reduce((sum, part) => sum * 60 + part, 0);
    }
    match = value.match(/^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/);
    if (match && value) {
      return Number(match[1] || 0) * 3600 + Number(match[2] || 0) * 60 + Number(match[3] || 0);
    }
    return null;
  }

  function hashTime() {
    const match = window.location.hash.match(/^#t=([^&]+)/);
    return match ? parseTime(decodeURIComponent(match[1])) : null;
  }

  function storage() {
    try {
      return window.localStorage;
    } catch (error) {
      return null;  // storage blocked (a sandboxed iframe, strict privacy settings)
    }
  }

  class Player {
    constructor(root) {
      this.root = root;
      this.audio = document.getElementById(root.dataset.playerFor);
      this.controls = root.querySelector(".player-controls");
      this.playButton = root.querySelector("[data-play]");
      this.seek = root.querySelector(".player-seek");
      this.current = root.querySelector("[data-current]");
      this.total = root.querySelector("[data-total]");
      this.speed = root.querySelector("[data-speed]");
      this.chapterNow = root.querySelector("[data-chapter-now]");
      this.marks = root.querySelector(".player-marks");
      this.key = POSITION_PREFIX + root.dataset.key;
      this.chapters = [];
      this.cues = [];
      this.lastSaved = 0;
      this.dragging = false;
    }

    get duration() {
      const known = this.audio.duration;
      return Number.isFinite(known) && known > 0 ? known : Number(this.root.dataset.duration) || 0;
    }

    enhance() {
      this.controls.hidden = false;
      this.audio.controls = false;
      this.root.classList.add("enhanced");
      this.playButton.addEventListener("click", () => this.toggle());
      this.root.querySelectorAll("[data-skip]").forEach((button) => {
        button.addEventListener("click", () => this.skip(Number(button.dataset.skip)));
      });
      this.seek.addEventListener("input", () => {
        this.dragging = true;
        this.show(Number(this.seek.value));
      });
      this.seek.addEventListener("change", () => {
        this.dragging = false;
        this.seekTo(Number(this.seek.value));
      });
      this.speed.addEventListener("change", () => this.setSpeed(Number(this.speed.value)));
      this.controls.addEventListener("keydown", (event) => this.onKey(event));
      // A Space handled on keydown must not also click the focused button when the key comes up.
      this.controls.addEventListener("keyup", (event) => {
        if (event.key === " " && event.target.tagName === "BUTTON") event.preventDefault();
      });
      const audio = this.audio;
      audio.addEventListener("play", () => this.playing(true));
      audio.addEventListener("pause", () => {
        this.playing(false);
        this.save(true);
      });
      audio.addEventListener("timeupdate", () => {
        if (!this.dragging) this.show(audio.currentTime);
        this.save(false);
      });
      audio.addEventListener("durationchange", () => {
        this.seek.max = String(Math.ceil(this.duration));
        this.total.textContent = clock(this.duration);
        this.drawMarks();
      });
      audio.addEventListener("ratechange", () => {
        this.speed.value = String(audio.playbackRate);
      });
      audio.addEventListener("ended", () => {
        const store = storage();
        if (store) store.removeItem(this.key);
      });
      this.loadChapters();
      const start = hashTime();
      const remembered = Number((storage() || { getItem: () => null }).getItem(this.key));
      if (start !== null) {
        this.seekTo(start);
      } else if (remembered > 0 && (!this.duration || remembered < this.duration - 1)) {
        this.seekTo(remembered);
      }
    }

    playing(isPlaying) {
      this.root.classList.toggle("playing", isPlaying);
      this.playButton.setAttribute("aria-label", isPlaying ? "Pause" : "Play");
    }

    toggle() {
      if (this.audio.paused) {
        this.audio.play().catch(() => {});
      } else {
        this.audio.pause();
      }
    }

    // Seeks now when the audio's metadata is known, else as soon as it is (preload is "none").
    seekTo(seconds, play) {
      const target = Math.max(0, Math.min(seconds, this.duration || seconds));
      const audio = this.audio;
      if (audio.readyState >= 1) {
        audio.currentTime = target;
      } else {
        this.pending = target;
        if (!this.waiting) {
          this.waiting = true;
          audio.addEventListener("loadedmetadata", () => {
            audio.currentTime = this.pending;
            this.pending = undefined;
            this.waiting = false;
          }, { once: true });
          if (audio.preload === "none") audio.preload = "metadata";
          if (audio.networkState === HTMLMediaElement.NETWORK_EMPTY) audio.load();
        }
      }
      this.show(target);
      if (play) audio.play().catch(() => {});
    }

    position() {
      return this.audio.readyState >= 1 || this.pending === undefined ? this.audio.currentTime : this.pending;
    }

    skip(seconds) {
      this.seekTo(this.position() + seconds);
    }

    setSpeed(rate) {
      this.audio.playbackRate = rate;
      this.audio.defaultPlaybackRate = rate;
      this.speed.value = String(rate);
    }

    stepSpeed(direction) {
      const index = SPEEDS.indexOf(this.audio.playbackRate);
      const next = index === -1 ? SPEEDS.indexOf(1) : index + direction;
      this.setSpeed(SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, next))]);
    }

    onKey(event) {
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      if (event.target.tagName === "SELECT") return;  // the speed menu keeps its own keys
      const actions = {
        " ": () => this.toggle(),
        k: () => this.toggle(),
        ArrowLeft: () => this.skip(-BACK),
        j: () => this.skip(-BACK),
        ArrowRight: () => this.skip(FORWARD),
        l: () => this.skip(FORWARD),
        ArrowUp: () => this.stepSpeed(1),
        ArrowDown: () => this.stepSpeed(-1),
      };
      const action = actions[event.key];
      if (!action) return;
      event.preventDefault();
      action();
    }

    show(seconds) {
      const duration = this.duration;
      this.seek.value = String(Math.floor(seconds));
      this.seek.setAttribute("aria-valuetext", `${clock(seconds)} of ${duration ? clock(duration) : "unknown"}`);
      this.current.textContent = clock(seconds);
      this.showChapter(seconds);
      this.showCue(seconds);
    }

    save(now) {
      const store = storage();
      const position = this.audio.currentTime;
      if (!store || this.audio.readyState < 1) return;
      if (now || Math.abs(position - this.lastSaved) >= SAVE_EVERY) {
        this.lastSaved = position;
        store.setItem(this.key, String(Math.floor(position)));
      }
    }

    loadChapters() {
      const url = this.root.dataset.chaptersUrl;
      if (!url) return;
      fetch(url, { credentials: "omit" })
        .then((response) => (response.ok ? response.json() : { chapters: [] }))
        .then((document) => {
          this.chapters = (document.chapters || []).filter((chapter) => chapter.toc !== false);
          this.drawMarks();
          this.showChapter(this.position());
        })
        .catch(() => {});
    }

    drawMarks() {
      const duration = this.duration;
      this.marks.replaceChildren();
      if (!duration) return;
      this.chapters.forEach((chapter) => {
        if (chapter.startTime <= 0 || chapter.startTime >= duration) return;
        const mark = document.createElement("span");
        mark.className = "player-mark";
        mark.style.left = `${(chapter.startTime / duration) * 100}%`;
        mark.title = chapter.title;
        this.marks.append(mark);
      });
    }

    showChapter(seconds) {
      let index = -1;
      this.chapters.forEach((chapter, at) => {
        if (chapter.startTime <= seconds + 0.25) index = at;
      });
      if (index === this.chapterIndex) return;
      this.chapterIndex = index;
      const list = document.querySelectorAll("ol.chapters > li");
      list.forEach((item, at) => item.classList.toggle("current", at === index));
      if (index === -1) {
        this.chapterNow.hidden = true;
        return;
      }
      this.chapterNow.hidden = false;
      const label = document.createElement("strong");
      label.textContent = this.chapters[index].title;
      this.chapterNow.replaceChildren(`Chapter ${index + 1} of ${this.chapters.length}: `, label);
    }

    attachTranscript(container) {
      this.transcript = container;
      this.cues = Array.from(container.querySelectorAll(".cue"));
      this.follow = container.parentElement.querySelector("[data-follow]");
      const follow = container.parentElement.querySelector(".transcript-follow");
      if (follow) follow.hidden = false;
      container.addEventListener("click", (event) => {
        const cue = event.target.closest(".cue");
        if (!cue || event.target.closest("a")) return;  // the time link seeks through data-seek
        this.seekTo(Number(cue.dataset.start), true);
      });
    }

    showCue(seconds) {
      if (!this.cues.length) return;
      let found = null;
      for (const cue of this.cues) {
        if (Number(cue.dataset.start) <= seconds + 0.05) found = cue;
        else break;
      }
      if (found === this.currentCue) return;
      if (this.currentCue) {
        this.currentCue.classList.remove("current");
        this.currentCue.removeAttribute("aria-current");
      }
      this.currentCue = found;
      if (!found) return;
      found.classList.add("current");
      found.setAttribute("aria-current", "true");
      const details = this.transcript.closest("details");
      if (this.follow && this.follow.checked && (!details || details.open)) {
        // Scroll the transcript's own box, never the page under the listener.
        const box = this.transcript;
        box.scrollTop = found.offsetTop - box.clientHeight / 3;
      }
    }
  }

  function setUpShareDialog(dialog) {
    const player = players.get(dialog.dataset.playerFor);
    const link = dialog.querySelector("#share-link");
    const atTime = dialog.querySelector("[data-share-at]");
    const timeLabel = dialog.querySelector("[data-share-time]");
    const status = dialog.querySelector("[data-share-status]");
    let seconds = 0;
    const updateLink = () => {
      link.value = atTime.checked ? `${link.dataset.base}#t=${clock(seconds)}` : link.dataset.base;
    };
    atTime.addEventListener("change", updateLink);
    document.querySelectorAll("[data-share-open]").forEach((button) => {
      button.addEventListener("click", () => {
        seconds = player ? Math.floor(player.position()) : 0;
        timeLabel.textContent = clock(seconds);
        atTime.checked = seconds > 0;
        status.textContent = "";
        updateLink();
        dialog.showModal();
      });
    });
    dialog.querySelectorAll("[data-copy]").forEach((button) => {
      button.addEventListener("click", () => {
        const field = document.getElementById(button.dataset.copy);
        const what = button.dataset.copy === "share-link" ? "Link" : "Embed code";
        const fallback = () => {
          field.select();
          status.textContent = document.execCommand("copy") ? `${what} copied.` : "Press Ctrl+C (⌘C) to copy.";
        };
        if (!navigator.clipboard) {
          fallback();
          return;
        }
        navigator.clipboard.writeText(field.value).then(() => {
          status.textContent = `${what} copied.`;
        }, fallback);
      });
    });
  }

  document.querySelectorAll(".player[data-player-for]").forEach((root) => {
    const player = new Player(root);
    if (!player.audio || !player.controls) return;
    player.enhance();
    players.set(root.dataset.playerFor, player);
  });
  document.querySelectorAll("[data-transcript-for]").forEach((container) => {
    const player = players.get(container.dataset.transcriptFor);
    if (player) player.attachTranscript(container);
  });
  document.querySelectorAll("dialog.share-dialog").forEach(setUpShareDialog);

  // Chapter and cue links seek the player instead of reloading the page.
  document.addEventListener("click", (event) => {
    const link = event.target.closest("[data-seek]");
    if (!link) return;
    const id = link.dataset.player || "episode-player";
    const player = players.get(id);
    const audio = document.getElementById(id);
    if (!audio) return;
    event.preventDefault();
    if (player) {
      player.seekTo(Number(link.dataset.seek), true);
    } else {
      audio.currentTime = Number(link.dataset.seek);
      audio.play().catch(() => {});
    }
  });

  // "#t=" links within the page (and edits of the address) move the player there.
  window.addEventListener("hashchange", () => {
    const start = hashTime();
    const player = players.values().next().value;
    if (start !== null && player) player.seekTo(start, true);
  });

  // With the focus on nothing in particular, the keys work the only player on the page.
  document.addEventListener("keydown", (event) => {
    if (players.size !== 1 || (event.target !== document.body && event.target !== document.documentElement)) return;
    players.values().next().value.onKey(event);
  });
})();
