// A minimal IAB TCF v2 CMP: __tcfapi answers getTCData and addEventListener
// with the TC string of the current state. The strings are the fixtures of
// src/analyse/tcf.rs (FIXTURE_CONSENT_ALL, FIXTURE_REFUSED,
// FIXTURE_LI_DEFAULT), which its unit tests decode and explain.
(function () {
  var STRINGS = {
    all: "CP3tAUAP3tAUAAHABBFREsEsAP_AAAAAAAqIAFP_AAAAAA",
    refused: "CP3tAUAP3tAUAAHABBFREsEgAAAAAAAAAAqIAAAAAAAA",
    li: "CP3tAUAP3tAUAAHABBFREsEgAAAAAHLAAAqIAAAAFfAA"
  };
  var choice = (document.cookie.match(/(?:^|; )tcchoice=(\w+)/) || [])[1];
  var state = { status: choice ? "tcloaded" : window.TCF_ON_LOAD_STATUS, string: choice ? STRINGS[choice] : STRINGS[window.TCF_ON_LOAD] };
  var listeners = [];
  function data() {
    return { tcString: state.string, eventStatus: state.status, cmpId: 7, cmpVersion: 1, gdprApplies: true, tcfPolicyVersion: 4 };
  }
  window.__tcfapi = function (command, version, callback) {
    if (command === "getTCData") { callback(data(), true); }
    else if (command === "addEventListener") { listeners.push(callback); callback(data(), true); }
    else if (command === "ping") { callback({ gdprApplies: true, cmpLoaded: true, cmpStatus: "loaded" }, true); }
  };
  window.tcfDecide = function (which) {
    var stored = which === "refused" ? window.TCF_AFTER_REJECT : "all";
    document.cookie = "tcchoice=" + stored + "; max-age=15552000; path=/";
    state = { status: "useractioncomplete", string: STRINGS[stored] };
    listeners.forEach(function (l) { l(data(), true); });
    var box = document.getElementById("tcf-banner");
    if (box) box.remove();
  };
  if (!choice) {
    document.addEventListener("DOMContentLoaded", function () {
      var box = document.createElement("div");
      box.id = "tcf-banner";
      box.innerHTML = '<p>Nous et nos partenaires utilisons des cookies pour la publicité personnalisée et la mesure d\'audience.</p>' +
        '<button onclick="tcfDecide(\'refused\')">Tout refuser</button> <button onclick="tcfDecide(\'all\')">Tout accepter</button>';
      document.body.appendChild(box);
    });
  }
})();
