// The overview's chain as an interactive graph (vis-network). Nodes and edges come as JSON from the
// case's chain.json, masked on the server; labels are drawn on the canvas and the legend is built
// with textContent, so seized text never becomes markup. A click on a party or a list opens its page.
(function () {
  "use strict";
  var en = document.documentElement.lang === "en";

  function legend(list, roles, layers, cut, cutText) {
    roles.forEach(function (role, i) {
      if (!layers[i]) {
        return;
      }
      var li = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.backgroundColor = role.color;
      li.appendChild(swatch);
      li.appendChild(document.createTextNode((en ? role.en : role.zh) + " (" + layers[i] + ")"));
      list.appendChild(li);
    });
    if (cut > 0) {
      var note = document.createElement("li");
      note.textContent = cutText + " " + cut;
      list.appendChild(note);
    }
  }

  var FONT = 12;
  var LEADING_PER_LAYER = 6;

  // The nodes whose labels stay readable when zoomed out: the most connected nodes of each layer
  // (twice as many of the inspected parties, the layer the page is about).
  function leading(data, perLayer) {
    var degree = {};
    data.edges.forEach(function (e) {
      degree[e[0]] = (degree[e[0]] || 0) + 1;
      degree[e[1]] = (degree[e[1]] || 0) + 1;
    });
    var ids = [];
    [0, 1, 2, 3, 4].forEach(function (layer) {
      var inLayer = data.nodes.filter(function (n) {
        return n.layer === layer;
      }).sort(function (a, b) {
        return (degree[b.id] || 0) - (degree[a.id] || 0);
      });
      inLayer.slice(0, layer === 2 ? 2 * perLayer : perLayer).forEach(function (n) {
        ids.push(n.id);
      });
    });
    return ids;
  }

  function draw(el, data) {
    var layers = [0, 0, 0, 0, 0];
    var nodes = new vis.DataSet(data.nodes.map(function (n) {
      var color = data.roles[n.layer].color;
      layers[n.layer] += 1;
      return {
        id: n.id, label: n.label, href: n.href, size: n.layer === 2 ? 12 : 8,
        color: {background: color, border: color, highlight: {background: color, border: "#1d232b"},
                hover: {background: color, border: "#1d232b"}}
      };
    }));
    var edges = new vis.DataSet(data.edges.map(function (e, i) {
      return {id: i, from: e[0], to: e[1]};
    }));
    // A force layout, settled before the first draw and then frozen: a chain of a few hundred nodes
    // laid out in five columns is too tall to read (the still SVG picture keeps the columns).
    var network = new vis.Network(el, {nodes: nodes, edges: edges}, {
      layout: {randomSeed: 7, improvedLayout: nodes.length <= 150},
      physics: {solver: "forceAtlas2Based", stabilization: {iterations: 400, fit: true},
                forceAtlas2Based: {gravitationalConstant: -40, springLength: 70, avoidOverlap: 0.4}},
      interaction: {hover: true, keyboard: false},
      nodes: {shape: "dot", size: 9, font: {size: FONT, face: "Noto Sans CJK SC, Microsoft YaHei, sans-serif"}},
      edges: {color: {color: "#a0a8b4", highlight: "#1d232b", hover: "#1d232b"}, smooth: false,
              arrows: {to: {enabled: true, scaleFactor: 0.5}}}
    });
    // vis-network hides a label drawn under 4 px, as every label of a fitted chain of a few hundred
    // nodes is; the most connected nodes of each layer keep 12 px on screen at any zoom instead,
    // so the chain zoomed out still says who is who.
    var named = leading(data, LEADING_PER_LAYER);
    function readable() {
      var size = Math.max(FONT, FONT / network.getScale());
      nodes.update(named.map(function (id) {
        return {id: id, font: {size: size}};
      }));
    }
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({physics: false});
      readable();
    });
    network.on("zoom", readable);
    readable();
    el.qlNetwork = network;  // on the element, not a global: the browser tests find nodes on the canvas through it
    network.once("afterDrawing", function () {
      // What the browser tests read: the nodes the network placed and drew.
      el.dataset.drawnNodes = String(Object.keys(network.getPositions()).length);
      el.dataset.drawnEdges = String(edges.length);
    });
    network.on("click", function (params) {
      var node = params.nodes.length ? nodes.get(params.nodes[0]) : null;
      if (node && typeof node.href === "string" && node.href.indexOf("/cases/") === 0) {
        window.location.assign(node.href);
      }
    });
    network.on("hoverNode", function (params) {
      var node = nodes.get(params.node);
      el.style.cursor = node && node.href ? "pointer" : "default";
    });
    network.on("blurNode", function () {
      el.style.cursor = "default";
    });
    var list = document.getElementById("chain-legend");
    if (list) {
      legend(list, data.roles, layers, data.cut, el.dataset.cut || "");
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("chain-graph");
    if (!el || typeof vis === "undefined") {
      return;
    }
    fetch(el.dataset.src, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (resp) {
        if (!resp.ok) {
          throw new Error(String(resp.status));
        }
        return resp.json();
      })
      .then(function (data) {
        if (!data.nodes.length) {
          el.dataset.drawnNodes = "0";
          el.hidden = true;
          return;
        }
        draw(el, data);
      })
      .catch(function (err) {
        el.textContent = (el.dataset.failed || "") + " (" + err.message + ")";
      });
  });
})();
