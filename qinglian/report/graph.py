"""The chain graph as an SVG picture: vendor → accounts → holders → lists → leak sources.

Nodes are laid out in five columns (networkx multipartite layout) and drawn with
matplotlib; large layers are cut to ``per_layer`` nodes (the most connected) and the cut
is said in the caption.
"""

from __future__ import annotations

import matplotlib
import networkx as nx
from matplotlib.figure import Figure

from qinglian.report.charts import picture, rc
from qinglian.report.data import Chain

LAYERS: tuple[tuple[str, str], ...] = (
    ("供应商/平台", "#8e44ad"),
    ("账号", "#2c6fbb"),
    ("被检查单位", "#c0392b"),
    ("客户名单", "#27ae60"),
    ("泄露源", "#d35400"),
)


def _short(label: str, n: int = 14) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"


def trim(chain: Chain, per_layer: int) -> tuple[nx.DiGraph, int]:
    """A networkx graph of at most ``per_layer`` nodes per layer, and how many nodes were cut."""
    g = nx.DiGraph()
    for nid, (label, layer) in chain.nodes.items():
        g.add_node(nid, label=label, layer=layer)
    g.add_edges_from(chain.edges)
    cut = 0
    for layer in range(len(LAYERS)):
        nodes = [n for n, d in g.nodes(data=True) if d["layer"] == layer]
        if len(nodes) > per_layer:
            nodes.sort(key=lambda n: (-g.degree(n), str(n)))
            drop = nodes[per_layer:]
            cut += len(drop)
            g.remove_nodes_from(drop)
    return g, cut


def chain_svg(chain: Chain, per_layer: int = 25, raster: bool = False) -> tuple[str, str]:
    """(svg, caption); svg is empty when the chain has no edges. ``raster``: a PNG <img> instead."""
    if not chain.edges:
        return "", "无可绘制的链条（未找到账号、名单或泄露源与单位之间的关联）"
    g, cut = trim(chain, per_layer)
    g.remove_nodes_from([n for n in list(g.nodes) if g.degree(n) == 0])
    if g.number_of_nodes() == 0:
        return "", "无可绘制的链条"
    pos = nx.multipartite_layout(g, subset_key="layer", align="vertical", scale=1.0)
    tallest = max(sum(1 for _, d in g.nodes(data=True) if d["layer"] == k) for k in range(len(LAYERS)))
    with matplotlib.rc_context(rc()):
        fig = Figure(figsize=(10, max(3.0, 0.32 * tallest + 1.2)))
        ax = fig.add_subplot()
        ax.set_axis_off()
        for a, b in g.edges:
            (x0, y0), (x1, y1) = pos[a], pos[b]
            ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                        arrowprops={"arrowstyle": "-|>", "color": "#999999", "lw": 0.6,
                                    "shrinkA": 6, "shrinkB": 6})
        for n, d in g.nodes(data=True):
            x, y = pos[n]
            name, color = LAYERS[d["layer"]]
            ax.scatter([x], [y], s=60, color=color, zorder=3)
            ax.annotate(_short(str(d["label"])), (x, y), xytext=(0, 6), textcoords="offset points",
                        ha="center", fontsize=7, zorder=4)
        present = sorted({d["layer"] for _, d in g.nodes(data=True)})
        xs: dict[int, float] = {}
        for n, d in g.nodes(data=True):
            xs.setdefault(d["layer"], float(pos[n][0]))
        ys = [float(p[1]) for p in pos.values()]
        top = max(ys) + 0.12 * (max(ys) - min(ys) + 0.5)
        for layer in present:
            name, color = LAYERS[layer]
            ax.text(xs[layer], top, name, ha="center", fontsize=9, color=color, fontweight="bold")
        svg = picture(fig, raster=raster)
    caption = f"节点 {g.number_of_nodes()} 个，关联 {g.number_of_edges()} 条"
    if cut:
        caption += f"；为便于阅读，每层只画关联最多的 {per_layer} 个节点，另有 {cut} 个未画出（完整内容见 XLSX）"
    return svg, caption
