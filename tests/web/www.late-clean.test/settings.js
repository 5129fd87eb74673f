// The banner of every page: it listens to its buttons a second after it
// shows them (`listenAfter`).
window.CONSENT = {
  "key": "kayak_consent",
  "days": 180,
  "store": "cookie",
  "modal": false,
  "listenAfter": 1000,
  "label": "Cookies",
  "html": "<div class=\"layer1\"><p>With your consent we use cookies to measure how our site is used (Google Analytics) and, together with our partner Meta, to show you personalised advertising; Meta may follow your browsing on other websites. Nothing is stored until you choose. You can change your mind at any time with the “Cookie settings” link at the bottom of every page. <a href=\"/privacy\">Privacy policy</a></p><button data-consent=\"refuse\">Reject all</button><button data-consent=\"accept\">Accept all</button></div>"
};
window.CONSENT.onAccept = function () {
  document.cookie = "_ga=GA1.2." + Math.floor(Math.random() * 1e9) + "." + Math.floor(Date.now() / 1000) + "; max-age=33696000; path=/; SameSite=Lax";
  new Image().src = "https://www.google-analytics.com:{{PORT}}/collect.gif?v=1&tid=G-CLEAN&t=pageview";
  new Image().src = "https://www.facebook.com:{{PORT}}/tr?id=1234&ev=PageView";
};
