// Admin behaviour, kept out of the HTML so the Content-Security-Policy can forbid inline script.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// Copy buttons: <button data-copy="input-id"> copies that input's value.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const input = document.getElementById(button.dataset.copy);
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    document.execCommand("copy");
  }
  const label = button.textContent;
  button.textContent = "Copied";
  setTimeout(() => { button.textContent = label; }, 1500);
});

// Row editors (templates/_macros.html row_editor): add, remove and reorder rows. The inputs are named
// "<editor>-<n>-<input>" for WTForms' FieldList, so every change renumbers the rows in page order.
function renumberRows(editor) {
  const prefix = editor.dataset.rowEditor;
  const pattern = new RegExp(`^${prefix}-\\d+-`);
  editor.querySelectorAll("li.row").forEach((row, index) => {
    row.querySelectorAll("input, select, textarea").forEach((input) => {
      input.name = input.name.replace(pattern, `${prefix}-${index}-`);
      input.id = input.id.replace(pattern, `${prefix}-${index}-`);
    });
    row.querySelectorAll("label[for]").forEach((label) => {
      label.htmlFor = label.htmlFor.replace(pattern, `${prefix}-${index}-`);
      if (label.dataset.text) label.textContent = `${label.dataset.text} ${index + 1}`;
    });
    row.querySelectorAll("button[data-row-action]").forEach((button) => {
      const words = { up: "Move row %n up", down: "Move row %n down", remove: "Remove row %n" };
      button.setAttribute("aria-label", words[button.dataset.rowAction].replace("%n", index + 1));
    });
  });
}

function rowButtons(row) {
  const tools = document.createElement("span");
  tools.className = "row-tools";
  for (const [action, text] of [["up", "↑"], ["down", "↓"], ["remove", "Remove"]]) {
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.rowAction = action;
    button.textContent = text;
    tools.append(button);
  }
  row.append(tools);
}

document.querySelectorAll("[data-row-editor]").forEach((editor) => {
  const list = editor.querySelector("ol.rows");
  if (!list || !list.querySelector("li.row")) return;
  list.querySelectorAll("li.row").forEach(rowButtons);
  const add = document.createElement("button");
  add.type = "button";
  add.dataset.rowAction = "add";
  add.textContent = "Add a row";
  list.after(add);
  renumberRows(editor);
});

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-row-action]");
  if (!button) return;
  const editor = button.closest("[data-row-editor]");
  const list = editor.querySelector("ol.rows");
  const row = button.closest("li.row");
  const action = button.dataset.rowAction;
  let focus = button;
  if (action === "add") {
    const rows = list.querySelectorAll("li.row");
    const fresh = rows[rows.length - 1].cloneNode(true);
    fresh.querySelectorAll(".error").forEach((error) => error.remove());
    fresh.querySelectorAll("input").forEach((input) => { input.value = ""; });
    fresh.querySelectorAll("select").forEach((select) => { select.selectedIndex = 0; });
    list.append(fresh);
    focus = fresh.querySelector("input, select");
  } else if (action === "up" && row.previousElementSibling) {
    row.previousElementSibling.before(row);
  } else if (action === "down" && row.nextElementSibling) {
    row.nextElementSibling.after(row);
  } else if (action === "remove") {
    if (list.querySelectorAll("li.row").length > 1) {
      focus = (row.nextElementSibling || row.previousElementSibling).querySelector("input, select");
      row.remove();
    } else {
      row.querySelectorAll("input").forEach((input) => { input.value = ""; });
      row.querySelectorAll("select").forEach((select) => { select.selectedIndex = 0; });
    }
  }
  renumberRows(editor);
  if (focus) focus.focus();
});
