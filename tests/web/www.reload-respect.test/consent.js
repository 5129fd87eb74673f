// A consent banner injected by script. The click on "refuse" loads
// nothing, and neither do the other pages; but the home page, loaded
// again once the refusal is stored, loads only a first-party image.
(function () {
  function onHome() {
    var p = new Image();
    p.src = "/hello.gif";
  }
  function trackers() {
    document.cookie = "_ga=GA1.2.99.1; max-age=33696000; path=/";
    var img = new Image();
    img.src = "https://www.google-analytics.com:{{PORT}}/collect.gif?v=1";
  }
  var choice = (document.cookie.match(/(?:^|; )choice=(\w+)/) || [])[1];
  if (choice === "accepted") { trackers(); return; }
  if (choice === "refused") { if (location.pathname === "/") { onHome(); } return; }
  window.setTimeout(function () {
    var box = document.createElement("div");
    box.id = "consent-box";
    box.innerHTML = '<p>Nous utilisons des cookies de mesure d\'audience, avec votre accord.</p>' +
      '<button id="no">Tout refuser</button> <button id="yes">Tout accepter</button>';
    document.body.appendChild(box);
    document.getElementById("yes").onclick = function () { document.cookie = "choice=accepted; max-age=15552000; path=/"; box.remove(); trackers(); };
    document.getElementById("no").onclick = function () { document.cookie = "choice=refused; max-age=15552000; path=/"; box.remove(); };
  }, 200);
})();
