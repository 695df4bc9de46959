// Cameras page: refresh availability, status and the latest frame of every camera once a second.
"use strict";
(function () {
  function text(el, value) { if (el && el.textContent !== value) { el.textContent = value; } }

  function render(cam, section) {
    var badge = section.querySelector(".cam-availability");
    text(badge, cam.online ? "online" : (cam.availability || "never seen"));
    badge.className = "status cam-availability " + (cam.online ? "status-parsed" : "status-parse_failed");
    var info = cam.seq ? cam.size + ", " + cam.bytes + " bytes, " + cam.age_s + " s ago, " + cam.frames + " frames"
                       : "no frame yet";
    if (cam.rejected) { info += ", " + cam.rejected + " rejected (" + cam.last_reject + ")"; }
    text(section.querySelector(".cam-info"), info);
    var status = Object.keys(cam.status).map(function (k) { return k + "=" + cam.status[k]; }).join(" ");
    text(section.querySelector(".cam-status"), status);
    var img = section.querySelector(".cam-frame");
    if (cam.seq && String(cam.seq) !== img.dataset.seq) {
      img.dataset.seq = String(cam.seq);
      img.src = "/cameras/" + encodeURIComponent(cam.camera) + "/latest.jpg?seq=" + cam.seq;
    }
  }

  function refresh() {
    fetch("/cameras/state.json", {credentials: "same-origin", cache: "no-store"})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        text(document.getElementById("mqtt-state"), data.connected ? "broker connected" : "broker not connected");
        data.cameras.forEach(function (cam) {
          var section = document.querySelector('section.camera[data-camera="' + cam.camera + '"]');
          if (section) { render(cam, section); }
        });
      })
      .catch(function () { /* the next tick retries */ })
      .finally(function () { setTimeout(refresh, 1000); });
  }
  setTimeout(refresh, 1000);
})();
