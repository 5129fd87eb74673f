// A small cookie-banner script two test shops use (each serves it as its
// own /banner.js, through `mount` in its site.toml). The shop says on the
// script tag what its close button (✕) does: `data-close="refuse"`, as its
// banner text promises, or `data-close="carry-on"`, taken as consent: the
// analytics start at once, and on every page after.
// The banner: a close button (✕) in its corner, "Accetta
// tutti" and "Personalizza" on the first layer, "Rifiuta tutti" on the
// second. The choice is kept in a first-party cookie for 6 months.
(function () {
  var carryOn = document.currentScript.dataset.close === "carry-on";
  var style = document.createElement("style");
  style.textContent = "#cookie-bar { position: fixed; left: 0; right: 0; bottom: 0; padding: 1em 2.5em 1em 1.5em; background: #fafafa; color: #111; border-top: 2px solid #2d6a4f; font: 16px sans-serif; z-index: 10; } #cookie-bar button { margin: .4em .8em 0 0; padding: .6em 1.4em; font-size: 16px; background: #2d6a4f; color: #fff; border: 0; cursor: pointer; } #cookie-bar .x { position: absolute; top: .2em; right: .4em; background: none; color: #111; font-size: 22px; padding: 0 .3em; margin: 0; }";
  document.head.appendChild(style);
  function choice() {
    var m = document.cookie.match(/(?:^|; )scelta=([^;]*)/);
    return m ? m[1] : null;
  }
  function keep(c) {
    document.cookie = "scelta=" + c + "; max-age=15552000; path=/; SameSite=Lax; Secure";
  }
  function measure() {
    document.cookie = "_ga=GA1.2." + Math.floor(Math.random() * 1e9) + "." + Math.floor(Date.now() / 1000) + "; max-age=33696000; path=/; SameSite=Lax";
    new Image().src = "https://www.google-analytics.com:{{PORT}}/collect.gif?v=1&tid=G-SHOP&t=pageview";
  }
  function banner() {
    var d = document.createElement("div");
    d.id = "cookie-bar";
    d.setAttribute("role", "dialog");
    d.setAttribute("aria-label", "Informativa sui cookie");
    d.innerHTML =
      '<button class="x" aria-label="Chiudi">✕</button>' +
      '<div class="l1"><p>Usiamo cookie tecnici e, previo tuo consenso, cookie analitici di terze parti (Google Analytics) per capire come viene usato il negozio. ' +
      'Chiudendo questo banner con la X prosegui la navigazione senza cookie diversi da quelli tecnici. <a href="/privacy">Informativa privacy</a></p>' +
      '<button class="ok">Accetta tutti</button> <button class="more">Personalizza</button></div>' +
      '<div class="l2" hidden><p>Cookie analitici: Google Analytics conta visite e pagine viste.</p>' +
      '<button class="no">Rifiuta tutti</button> <button class="ok">Accetta tutti</button></div>';
    document.body.appendChild(d);
    d.addEventListener("click", function (e) {
      var b = e.target.closest("button");
      if (!b) return;
      if (b.classList.contains("more")) {
        d.querySelector(".l1").hidden = true;
        d.querySelector(".l2").hidden = false;
        return;
      }
      d.remove();
      if (b.classList.contains("ok")) { keep("si"); measure(); }
      else if (b.classList.contains("no")) { keep("no"); }
      else if (b.classList.contains("x") && carryOn) { keep("chiuso"); measure(); }
      else if (b.classList.contains("x")) { keep("no"); }
    });
  }
  // "Preferenze cookie" in the footer opens the banner again.
  window.cookiePrefs = function () {
    var old = document.getElementById("cookie-bar");
    if (old) old.remove();
    banner();
  };
  function start() {
    var c = choice();
    if (c === "si") measure();
    else if (c === null) banner();
    else if (c === "chiuso") measure();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
