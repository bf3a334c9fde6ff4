// Admin behaviour, kept out of the HTML so the Content-Security-Policy can forbid inline script.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
