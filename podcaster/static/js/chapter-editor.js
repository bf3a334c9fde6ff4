// The admin chapter editor (templates/admin/_chapter_editor.html). The rows are a plain form that
// saves without JavaScript; this adds "Add chapter at current time" (from the preview player) and the
// per-row Move up / Move down / Remove buttons, renumbering the rows so the saved order is the shown one.
(function () {
  "use strict";
  const editor = document.querySelector(".chapter-editor");
  if (!editor) return;
  const list = editor.querySelector("[data-chapter-rows]");
  const preview = editor.querySelector("[data-chapter-preview]");
  const addButton = editor.querySelector("[data-chapter-add]");
  const announce = editor.querySelector("[data-chapter-announce]");
  const FIELDS = ["start", "title", "url", "img"];

  function clock(seconds) {
    const tenths = Math.round(seconds * 10) / 10;
    const whole = Math.floor(tenths);
    const hours = Math.floor(whole / 3600);
    const minutes = Math.floor((whole % 3600) / 60);
    const secs = String(whole % 60).padStart(2, "0");
    const fraction = tenths - whole > 0.05 ? `.${Math.round((tenths - whole) * 10)}` : "";
    return (hours ? `${hours}:${String(minutes).padStart(2, "0")}:${secs}` : `${minutes}:${secs}`) + fraction;
  }

  const rows = () => Array.from(list.querySelectorAll(".chapter-row"));
  const input = (row, name) => row.querySelector(`input[name$="-${name}"]`);
  const isEmpty = (row) => FIELDS.every((name) => !input(row, name).value.trim());

  // Row N's inputs are chapters-N-*, so the server reads the rows in the order shown.
  function renumber() {
    rows().forEach((row, index) => {
      row.querySelector("legend").textContent = `Chapter ${index + 1}`;
      FIELDS.forEach((name) => {
        const field = input(row, name);
        const id = `chapters-${index}-${name}`;
        const label = row.querySelector(`label[for="${field.id}"]`);
        const error = field.getAttribute("aria-describedby");
        if (error) {
          const message = document.getElementById(error);
          if (message) message.id = `${id}-error`;
          field.setAttribute("aria-describedby", `${id}-error`);
        }
        field.id = id;
        field.name = id;
        if (label) label.htmlFor = id;
      });
    });
  }

  function say(message) {
    announce.textContent = message;
  }

  function blankRow() {
    const row = rows()[0].cloneNode(true);
    row.classList.remove("moved");
    row.querySelectorAll("input").forEach((field) => {
      field.value = "";
      field.removeAttribute("aria-invalid");
      field.removeAttribute("aria-describedby");
    });
    row.querySelectorAll(".error").forEach((message) => message.remove());
    row.querySelectorAll(".has-error").forEach((field) => field.classList.remove("has-error"));
    return row;
  }

  function enhance(row) {
    row.querySelector(".chapter-row-actions").hidden = false;
  }

  function addAtCurrentTime() {
    const seconds = preview ? preview.currentTime : 0;
    // The first empty row after the filled ones; a new one when none is left.
    let row = rows().find(isEmpty);
    if (!row) {
      row = blankRow();
      list.append(row);
      renumber();
    }
    input(row, "start").value = clock(seconds);
    input(row, "title").focus();
    say(`Chapter ${rows().indexOf(row) + 1} added at ${clock(seconds)}: type its title.`);
  }

  function move(row, offset) {
    const all = rows();
    const index = all.indexOf(row);
    const target = index + offset;
    if (target < 0 || target >= all.length) return;
    if (offset < 0) list.insertBefore(row, all[target]);
    else list.insertBefore(row, all[target].nextSibling);
    renumber();
    all.forEach((item) => item.classList.remove("moved"));
    row.classList.add("moved");
    say(`Chapter moved to position ${target + 1}.`);
  }

  function remove(row) {
    const all = rows();
    const index = all.indexOf(row);
    const title = input(row, "title").value.trim();
    if (all.length === 1) {
      row.querySelectorAll("input").forEach((field) => { field.value = ""; });
    } else {
      row.remove();
      renumber();
    }
    const next = rows()[Math.min(index, rows().length - 1)];
    input(next, "title").focus();
    say(title ? `Removed “${title}”.` : "Removed the row.");
  }

  rows().forEach(enhance);
  if (addButton && preview) {
    addButton.hidden = false;
    addButton.addEventListener("click", addAtCurrentTime);
  }
  list.addEventListener("click", (event) => {
    const button = event.target.closest("[data-row-action]");
    if (!button) return;
    const row = button.closest(".chapter-row");
    const action = button.dataset.rowAction;
    if (action === "up") move(row, -1);
    else if (action === "down") move(row, 1);
    else remove(row);
    if (action !== "remove" && document.body.contains(button)) button.focus();
  });
})();
