// Closing is a refusal, as the banner says.
function closed(keep, measure) { keep("no"); }
function afterClose(measure) {}
// The shop's own cookie banner: a close button (✕) in its corner, "Accetta
// tutti" and "Personalizza" on the first layer, "Rifiuta tutti" on the
// second. The choice is kept in a first-party cookie for 6 months.
(function () {
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
      else if (b.classList.contains("x")) { closed(keep, measure); }
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
    else if (c === "chiuso") afterClose(measure);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
