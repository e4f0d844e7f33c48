/* The header's menus, without inline script (the Content-Security-Policy refuses it):
   the « Menu » button opens and closes the main menu on a narrow screen, and an open
   account menu closes on Escape or a click elsewhere. */
(function () {
  "use strict";
  var header = document.querySelector("[data-testid=topbar]");
  if (!header) { return; }
  var toggle = header.querySelector(".menu-toggle");
  var menu = document.getElementById("site-menu");
  var account = header.querySelector("details.account");

  function setOpen(open) {
    header.classList.toggle("menu-open", open);
    if (toggle) { toggle.setAttribute("aria-expanded", open ? "true" : "false"); }
  }

  if (toggle && menu) {
    toggle.addEventListener("click", function () {
      setOpen(!header.classList.contains("menu-open"));
      if (account) { account.open = false; }
    });
  }
  if (account) {
    account.addEventListener("toggle", function () {
      if (account.open) { setOpen(false); }
    });
  }
  document.addEventListener("click", function (event) {
    if (account && account.open && !account.contains(event.target)) { account.open = false; }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    if (account && account.open) { account.open = false; account.querySelector("summary").focus(); }
    if (header.classList.contains("menu-open")) { setOpen(false); toggle.focus(); }
  });
})();
