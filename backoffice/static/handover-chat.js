// The officer's live chat page: shows the citizen's replies as they arrive (polling the back-office) and
// sends the officer's messages without reloading the page. Without JavaScript the forms still work.
(function () {
  "use strict";
  var box = document.getElementById("chat-lines");
  if (!box) { return; }
  var url = box.getAttribute("data-url");
  var after = parseInt(box.getAttribute("data-after"), 10) || 0;
  var form = document.getElementById("chat-send");

  function append(line) {
    if (line.id <= after) { return; }
    after = line.id;
    var p = document.createElement("p");
    p.className = "line " + line.author;
    p.setAttribute("data-id", String(line.id));
    var who = document.createElement("strong");
    who.textContent = line.author === "citizen" ? "Người dân" : "Cán bộ";
    var at = document.createElement("span");
    at.className = "muted";
    at.textContent = " " + line.at;
    var text = document.createElement("span");
    text.className = "text";
    text.textContent = line.text;
    p.appendChild(who); p.appendChild(at); p.appendChild(document.createElement("br")); p.appendChild(text);
    box.appendChild(p);
  }

  function poll() {
    fetch(url + "?after=" + after, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data) { data.lines.forEach(append); }
        if (!data || data.status === "active" || data.status === "waiting") { setTimeout(poll, 1500); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = new FormData(form);
      fetch(form.action, { method: "POST", body: body, credentials: "same-origin",
                           headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (data.error) { alert(data.error); return; }
          form.querySelector("textarea").value = "";
          fetch(url + "?after=" + after, { credentials: "same-origin" })
            .then(function (response) { return response.json(); })
            .then(function (fresh) { fresh.lines.forEach(append); });
        });
    });
  }
  poll();
})();
