// The quote desk's web chat: one WebSocket per page, the same conversation as the emails.
(function () {
  "use strict";
  var root = document.getElementById("chat");
  if (!root) { return; }
  var list = document.getElementById("turns");
  var answer = document.getElementById("answer");
  var form = document.getElementById("say");
  var input = document.getElementById("text");
  var status = document.getElementById("status");
  var seen = {};
  var scheme = location.protocol === "https:" ? "wss://" : "ws://";
  var socket = new WebSocket(scheme + location.host + location.pathname.replace(/\/$/, "") + "/" + root.dataset.wsPath);

  function show(turn) {
    if (seen[turn.id]) { return; }
    seen[turn.id] = true;
    var item = document.createElement("li");
    item.className = turn.who;
    item.dataset.intent = turn.intent || "";
    item.textContent = turn.text;
    list.appendChild(item);
    item.scrollIntoView({block: "end"});
  }

  function state(event) {
    answer.hidden = !event.confirming;
    root.dataset.state = event.state;
    form.hidden = !event.open;
    status.textContent = event.open ? "" : root.dataset.closed;
  }

  function send(text) {
    text = text.trim();
    if (!text || socket.readyState !== WebSocket.OPEN) { return; }
    socket.send(JSON.stringify({text: text}));
    answer.hidden = true;
  }

  socket.addEventListener("open", function () { root.dataset.connected = "yes"; });
  socket.addEventListener("message", function (msg) {
    var event = JSON.parse(msg.data);
    if (event.type === "turn") { show(event); } else if (event.type === "state") { state(event); }
  });
  socket.addEventListener("close", function () {
    root.dataset.connected = "no";
    status.textContent = root.dataset.offline;
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    send(input.value);
    input.value = "";
  });
  document.getElementById("yes").addEventListener("click", function () { send(root.dataset.yes); });
  document.getElementById("no").addEventListener("click", function () { send(root.dataset.no); });
}());
