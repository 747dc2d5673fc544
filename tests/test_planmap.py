"""The planner's SVG map: well-formed, complete, deterministic, and never half-written."""

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from wardtwin.errors import UnknownNameError
from wardtwin.layout import check_ward, exit_code, shipped_wards
from wardtwin.layout import vocab
from wardtwin.planmap import render_map, write_map
from wardtwin.planmap import style
from wardtwin.layout.fitout import fitout_types

NS = {"s": "http://www.w3.org/2000/svg"}
TINY = Path(__file__).parent / "wards" / "tiny"


def _svg(layout, **kw):
    return ET.fromstring(render_map(layout, **kw))


def _texts(root):
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


@pytest.fixture(scope="module")
def tiny():
    layout, findings = check_ward(TINY)
    assert exit_code(findings) == 0, [f.format() for f in findings]
    return layout


def test_every_room_kind_has_a_fill():
    assert set(style.ROOM_FILL) == set(vocab.ROOM_KINDS)


def test_rooms_names_and_exits_drawn(tiny):
    root = _svg(tiny)
    rooms = root.findall(".//s:polygon[@class='room']", NS)
    assert sorted(p.get("data-id") for p in rooms) == sorted(r.id for r in tiny.rooms)
    texts = _texts(root)
    for r in tiny.rooms:
        assert r.name in texts or (r.number or r.id) in texts, f"room {r.id} has no label"
    exits = root.findall(".//s:g[@class='exit-tag']", NS)
    assert len(exits) == sum(d.exit for d in tiny.doors) == 2


def test_safety_critical_items_labelled_others_not(tiny):
    def labels(**kw):
        return ["".join(t.itertext()) for t in _svg(tiny, **kw).findall(".//s:text[@class='item-label']", NS)]

    shown = labels()
    for it in tiny.items:
        t = tiny.item_type(it)
        name = it.label or t.name
        assert (name in shown) == t.safety_critical, f"{it.id} ({t.name}) labelled={name in shown}"
    assert len(labels(labels="all")) == len(tiny.items)
    assert labels(labels="none") == []


def test_items_drawn_at_footprint(tiny):
    root = _svg(tiny)
    drawn = {p.get("data-id") for p in root.findall(".//s:polygon[@class='item']", NS)}
    assert drawn == {i.id for i in tiny.items}
    assert not root.findall(".//s:polygon[@class='item']", NS) == []
    assert _svg(tiny, equipment=False).findall(".//s:polygon[@class='item']", NS) == []


def test_scale_bar_north_arrow_legend(tiny):
    root = _svg(tiny)
    for cls in ("scale-bar", "north-arrow", "legend"):
        assert root.findall(f".//s:g[@class='{cls}']", NS), f"no {cls}"
    texts = _texts(root)
    assert "N" in texts and any(t.endswith(" m") for t in texts)
    assert "patient room" in texts and "corridor" in texts


def test_route_drawn(tiny):
    root = _svg(tiny, route=[(1.8, 3.0), (1.8, 6.3), (7.0, 6.3)], route_label="to Stair A")
    assert root.findall(".//s:g[@class='route']/s:polyline", NS)
    assert "to Stair A" in _texts(root)


def test_deterministic(tiny):
    assert render_map(tiny) == render_map(tiny)


def test_unknown_label_mode_lists_valid(tiny):
    with pytest.raises(UnknownNameError, match="safety, all, none|all, none, safety"):
        render_map(tiny, labels="everything")


def test_write_is_atomic(tiny, tmp_path, monkeypatch):
    out = tmp_path / "plan.svg"
    write_map(tiny, out)
    assert out.read_text().startswith("<svg")
    before = out.read_text()

    import wardtwin.planmap as pm

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(pm, "render_map", lambda *a, **k: "<svg>partial")
    import wardtwin.exchange.files as files

    monkeypatch.setattr(files.os, "replace", boom)
    with pytest.raises(RuntimeError):
        write_map(tiny, out)
    assert out.read_text() == before, "a failed write changed the existing map"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.svg"], "a temporary file was left behind"


@pytest.mark.parametrize("ward", shipped_wards())
def test_shipped_ward_map_complete(ward):
    layout, findings = check_ward(ward)
    assert exit_code(findings) == 0, "\n".join(f.format() for f in findings)
    root = _svg(layout)
    labels = {"".join(t.itertext()) for t in root.findall(".//s:text[@class='item-label']", NS)}
    legend = _texts(root.find(".//s:g[@class='legend']", NS))
    fitout = fitout_types(layout)
    missing = [i.id for i in layout.items if layout.item_type(i).safety_critical and i.type not in fitout
               and (i.label or layout.item_type(i).name) not in labels]
    assert not missing, f"safety-critical items without a label: {missing}"
    unlisted = [t for t in fitout if layout.catalog[t].name not in legend]
    assert not unlisted, f"room fit-out types missing from the legend: {unlisted}"
    assert len(root.findall(".//s:polygon[@class='room']", NS)) == len(layout.rooms)


def test_fitout_needs_most_patient_rooms(tiny):
    assert fitout_types(tiny) == set()  # two patient rooms: too few to call anything standard


def _boxes(root, cls):
    """Drawing boxes of the room names (bold, about 0.68 em a character) or EXIT badges."""
    out = []
    for t in root.iter("{http://www.w3.org/2000/svg}text"):
        if cls == "room-name" and t.get("class") == "room-name":
            x, y, s = float(t.get("x")), float(t.get("y")), float(t.get("font-size"))
            w = 0.68 * s * len(t.text)
            out.append((x - w / 2, y - s, x + w / 2, y + 0.3 * s, t.text))
    for g in root.findall(".//s:g[@class='exit-tag']", NS):
        if cls == "exit-tag":
            r = g.find("s:rect", NS)
            x, y = float(r.get("x")), float(r.get("y"))
            out.append((x, y, x + float(r.get("width")), y + float(r.get("height")), "EXIT"))
    return out


@pytest.mark.parametrize("ward", ["medsurg-28", "icu-12"])
def test_room_labels_touch_neither_each_other_nor_exit_badges(ward):
    """Issue 19, defect 7: "Patient room 428Patient room 427", and a label over icu-12's west EXIT."""
    layout, findings = check_ward(ward)
    root = _svg(layout)
    names, exits = _boxes(root, "room-name"), _boxes(root, "exit-tag")
    assert len(names) == len(layout.rooms) and len(exits) == sum(d.exit for d in layout.doors)

    def apart(a, b, gap):
        return a[2] + gap <= b[0] or b[2] + gap <= a[0] or a[3] + gap <= b[1] or b[3] + gap <= a[1]

    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert apart(a, b, 1.5), (a[4], b[4])
        for e in exits:
            assert apart(a, e, 0.0), (a[4], "EXIT")


def test_legend_lists_no_equipment_without_equipment():
    layout, _ = check_ward("icu-12")
    legend = lambda **kw: "|".join(_svg(layout, **kw).find(".//s:g[@class='legend']", NS).itertext())
    with_items, without = legend(), legend(equipment=False)
    assert "Safety-critical equipment" in with_items and "Other equipment" in with_items
    assert "Safety-critical" not in without and "Other equipment" not in without and "every patient room" not in without
    assert "EXIT" in without and "patient room" in without  # rooms and exits stay
    assert not _svg(layout, equipment=False).findall(".//s:polygon[@class='item']", NS)
