// The replay player (replay_html.py): steps through the frames embedded in the page as
// JSON. Every text it shows is set with textContent, never parsed as HTML: the frames
// carry the user's names and file names. Nothing is fetched.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("replay-data").textContent);
  var frames = data.frames, steps = data.steps, middles = data.middles;
  var last = frames.length - 1;
  var $ = function (id) { return document.getElementById(id); };
  var boxes = [], values = [], grads = [], links = [];
  for (var b = 0; ; b++) {
    var box = $("b" + b);
    if (!box) break;
    boxes.push(box);
    values.push(box.querySelector(".value"));
    grads.push(box.querySelector(".grad"));
  }
  for (var e = 0; ; e++) {
    var link = $("e" + e);
    if (!link) break;
    links.push(link);
  }
  var title = $("frame-title"), text = $("frame-text"), slider = $("slider");
  var count = $("count"), play = $("play"), flow = $("flow"), graph = $("graph");
  var current = 0, timer = null;
  // The graph is drawn as large as the panel allows, never above its natural size, and
  // never below about half of it (where text would be too small to read: the panel
  // scrolls instead).
  var svg = $("graph-svg"), scale = 1;
  var natural = [+svg.getAttribute("width"), +svg.getAttribute("height")];

  function fit() {
    scale = Math.min(1, Math.max(0.55, (graph.clientWidth - 2) / natural[0]));
    svg.setAttribute("width", String(natural[0] * scale));
    svg.setAttribute("height", String(natural[1] * scale));
  }

  function toggle(el, name, on) {
    if (on) el.classList.add(name); else el.classList.remove(name);
  }

  // The picture at frame n, worked out from the first frame on: the latest value and
  // gradient each box has been given by then, the edges the backward pass has taken.
  function show(n) {
    current = Math.max(0, Math.min(last, n));
    var value = [], grad = [], passed = [];
    for (var k = 0; k <= current; k++) {
      var s = steps[k];
      if (s.v != null) value[s.b] = s.v;
      if (s.g != null) grad[s.b] = s.g;
      if (s.e >= 0 && k < current) passed[s.e] = true;
      if (s.gs) s.gs.forEach(function (p) { grad[p[0]] = p[1]; });
    }
    var step = steps[current];
    boxes.forEach(function (box, i) {
      values[i].textContent = value[i] == null ? "" : value[i];
      grads[i].textContent = grad[i] == null ? "" : grad[i];
      toggle(box, "pending", value[i] == null);
      toggle(box, "current", i === step.b);
      box.setAttribute("aria-current", i === step.b ? "true" : "false");
    });
    links.forEach(function (link, i) {
      toggle(link, "current", i === step.e);
      toggle(link, "passed", passed[i] === true && i !== step.e);
    });
    if (step.e >= 0 && step.f != null) {
      flow.textContent = step.f;
      flow.setAttribute("x", middles[step.e][0]);
      flow.setAttribute("y", middles[step.e][1] - 7);
      links[step.e].parentNode.appendChild(links[step.e]);  // drawn above the others
    } else {
      flow.textContent = "";
    }
    var f = frames[current];
    title.textContent = f.title;
    text.textContent = f.text.join("\n");
    slider.value = String(current);
    slider.setAttribute("aria-valuetext", "frame " + (current + 1) + " of " + frames.length +
                        ": " + f.title);
    count.textContent = (current + 1) + " / " + frames.length;
    $("first").disabled = $("back").disabled = current === 0;
    $("next").disabled = $("last").disabled = current === last;
    reveal(boxes[step.b]);
  }

  // Keep the frame's box in sight inside the graph's own scrolling area (never the page
  // around it: the player may sit in a notebook).
  function reveal(box) {
    var r = box.querySelector("rect");
    var x = r.getAttribute("x") * scale, y = r.getAttribute("y") * scale;
    var w = r.getAttribute("width") * scale, h = r.getAttribute("height") * scale;
    if (x < graph.scrollLeft || x + w > graph.scrollLeft + graph.clientWidth)
      graph.scrollLeft = Math.max(0, x - 40);
    if (y < graph.scrollTop || y + h > graph.scrollTop + graph.clientHeight)
      graph.scrollTop = Math.max(0, y - 40);
  }

  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    play.textContent = "▶ play";
    play.setAttribute("aria-label", "play");
    play.setAttribute("aria-pressed", "false");
  }

  function start() {
    if (current === last) show(0);
    play.textContent = "❚❚ pause";
    play.setAttribute("aria-label", "pause");
    play.setAttribute("aria-pressed", "true");
    timer = setInterval(function () {
      if (current >= last) stop(); else show(current + 1);
    }, data.interval);
  }

  function go(n) { stop(); show(n); }

  $("first").addEventListener("click", function () { go(0); });
  $("back").addEventListener("click", function () { go(current - 1); });
  $("next").addEventListener("click", function () { go(current + 1); });
  $("last").addEventListener("click", function () { go(last); });
  play.addEventListener("click", function () { if (timer === null) start(); else stop(); });
  slider.addEventListener("input", function () { go(parseInt(slider.value, 10)); });

  document.addEventListener("keydown", function (ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    var on = ev.target, tag = on && on.tagName;
    // what a focused control does with the key itself: a button's space, the slider's
    // arrows, Home and End
    if (tag === "INPUT" && /^(Arrow|Home|End|Page)/.test(ev.key)) return;
    if (tag === "BUTTON" && (ev.key === " " || ev.key === "Enter")) return;
    if (tag === "SUMMARY" || tag === "TEXTAREA") return;
    var to = {ArrowRight: current + 1, " ": current + 1, ArrowLeft: current - 1,
              Home: 0, End: last}[ev.key];
    if (to === undefined) return;
    ev.preventDefault();
    go(to);
  });

  window.addEventListener("resize", function () { fit(); show(current); });

  // A link may open the player at a frame: page.html#frame=9 (counted from 1).
  function linked() {
    var m = /^#frame=(\d+)$/.exec(window.location.hash);
    return m ? parseInt(m[1], 10) - 1 : 0;
  }
  window.addEventListener("hashchange", function () { go(linked()); });

  fit();
  show(linked());
})();
