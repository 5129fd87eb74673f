// The homemade consent banner several clean test sites use (each serves it
// as its own /consent.js, through `mount` in its site.toml, and configures
// it with `window.CONSENT` in its pages). Nothing that needs consent runs
// before "accept"; the choice is kept for `days`. With `listenAfter`, the
// banner draws its buttons first and listens to them only that many ms
// later, as some platforms do: a click in that gap does nothing.
(function () {
  var C = window.CONSENT;
  function read() {
    if (C.store === "local") {
      var raw = localStorage.getItem(C.key);
      if (!raw) return null;
      try {
        var v = JSON.parse(raw);
        if (v.expires > Date.now()) return v.choice;
      } catch (e) {}
      localStorage.removeItem(C.key);
      return null;
    }
    var m = document.cookie.match(new RegExp("(?:^|; )" + C.key + "=([^;]*)"));
    return m ? m[1] : null;
  }
  function save(choice) {
    if (C.store === "local") {
      localStorage.setItem(C.key, JSON.stringify({ choice: choice, expires: Date.now() + C.days * 864e5 }));
      // The server hides the banner for the rest of the session.
      document.cookie = C.key + "_session=1; path=/; SameSite=Lax; Secure";
    } else {
      document.cookie = C.key + "=" + choice + "; max-age=" + C.days * 86400 + "; path=/; SameSite=Lax; Secure";
    }
  }
  function run() {
    if (window.consentRan) return;
    window.consentRan = true;
    C.onAccept();
  }
  function hide() {
    var b = document.getElementById("consent-banner");
    if (b) b.remove();
    document.documentElement.classList.remove("consent-open");
  }
  function choose(choice) {
    save(choice);
    hide();
    if (choice === "accept") run();
  }
  function show() {
    hide();
    var div = document.createElement("div");
    div.id = "consent-banner";
    div.setAttribute("role", "dialog");
    div.setAttribute("aria-modal", C.modal ? "true" : "false");
    div.setAttribute("aria-label", C.label);
    div.innerHTML = C.html;
    document.body.appendChild(div);
    if (C.modal) document.documentElement.classList.add("consent-open");
    if (C.listenAfter) setTimeout(function () { div.addEventListener("click", listen); }, C.listenAfter);
    else div.addEventListener("click", listen);
    function listen(e) {
      var t = e.target.closest("[data-consent]");
      if (!t) return;
      e.preventDefault();
      var a = t.getAttribute("data-consent");
      if (a === "accept" || a === "refuse") {
        choose(a);
      } else if (a === "more") {
        div.querySelector(".layer1").hidden = true;
        div.querySelector(".layer2").hidden = false;
      }
    }
  }
  window.openConsent = show;
  function start() {
    var c = read();
    if (c === "accept") run();
    else if (c !== "refuse") show();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
